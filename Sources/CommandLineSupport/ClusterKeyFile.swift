import ChordNet
import ChordWire

/// A cluster key and the file it came from (docs/PROTOCOL.md, "Cluster key"): the file's
/// bytes less one trailing newline, at least 16 of them. Make one with
///
///     head -c 32 /dev/urandom | xxd -p -c 64 > cluster.key
///
/// and give every node and client of the cluster the same file.
public struct ClusterKeyFile: Sendable {
    /// Where the key was read from (what tools pass on to the nodes they start).
    public let path: String
    /// The key.
    public let key: ClusterKey

    /// Reads the key in the file at `path`.
    public init(path: String) throws(ClusterKeyFileError) {
        let bytes: [UInt8]
        do {
            bytes = try SmallFile.read(atPath: path, maximumBytes: ClusterKey.maximumBytes + 2)
        } catch {
            throw .unreadable(path: path, error)
        }
        do {
            key = try ClusterKey(keyFileContents: bytes)
        } catch {
            throw .invalid(path: path, error)
        }
        self.path = path
    }
}

/// Why a cluster key file could not be used.
public enum ClusterKeyFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be opened or read.
    case unreadable(path: String, SystemError)
    /// Its contents are not a key (too short or too long).
    case invalid(path: String, ClusterKeyError)

    /// A one-line explanation.
    public var description: String {
        switch self {
        case .unreadable(let path, let error): return "cannot read the cluster key file \(path): \(error)"
        case .invalid(let path, let error): return "\(path) is not a cluster key file: \(error)"
        }
    }
}

extension OptionSpec {
    /// `--cluster-key-file PATH`, the same on every command.
    public static let clusterKeyFile = OptionSpec.value(
        "cluster-key-file", "PATH",
        "authenticate every datagram with the cluster key in PATH")
}

extension ParsedArguments {
    /// The key named by `--cluster-key-file`, read now; nil without the option. A file that
    /// is missing, unreadable, too short or too long is a usage error.
    public func clusterKeyFile() throws(UsageError) -> ClusterKeyFile? {
        guard let path = string(OptionSpec.clusterKeyFile.name) else { return nil }
        do {
            return try ClusterKeyFile(path: path)
        } catch {
            throw UsageError("--cluster-key-file: \(error)")
        }
    }
}

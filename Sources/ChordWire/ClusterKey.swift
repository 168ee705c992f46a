import ChordCore

/// The secret every node and client of one cluster shares: with it, each datagram ends with a
/// timestamp and an HMAC-SHA-256 tag (docs/PROTOCOL.md, "Cluster key"), and a datagram without
/// a valid tag, or outside the replay window, is dropped before its body is read.
///
/// A key file holds the key's bytes as they are: whatever the file contains, less one trailing
/// newline ("\n" or "\r\n"), at least `minimumBytes` of it. Any bytes will do; the
/// recommended file is 32 random bytes written as 64 hex digits:
///
///     head -c 32 /dev/urandom | xxd -p -c 64 > cluster.key
///
/// (the key is then those 64 ASCII characters). The value keeps the key only in the form HMAC
/// needs (two hashed pads) and never prints it: its description is a short fingerprint, for
/// telling two keys apart in logs.
public struct ClusterKey: Sendable, CustomStringConvertible {
    /// The fewest key bytes accepted.
    public static let minimumBytes = 16
    /// The most key bytes accepted (a larger file is not a key file).
    public static let maximumBytes = 4096

    /// HMAC-SHA-256 under the key, its pads already hashed.
    let mac: HMACSHA256
    /// The first 4 bytes of SHA-256 of the key, in hex.
    public let fingerprint: String

    /// A key from a key file's contents: one trailing "\n" or "\r\n" is dropped, and the rest
    /// must hold `minimumBytes...maximumBytes` bytes.
    public init(keyFileContents contents: [UInt8]) throws(ClusterKeyError) {
        var bytes = contents
        if bytes.last == 0x0A {
            bytes.removeLast()
            if bytes.last == 0x0D { bytes.removeLast() }
        }
        try self.init(bytes: bytes)
    }

    /// A key of exactly these bytes (`minimumBytes...maximumBytes` of them).
    public init(bytes: [UInt8]) throws(ClusterKeyError) {
        guard bytes.count >= Self.minimumBytes else { throw .tooShort(bytes.count) }
        guard bytes.count <= Self.maximumBytes else { throw .tooLong(bytes.count) }
        mac = HMACSHA256(key: bytes)
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in SHA256.hash(bytes).prefix(4) {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        fingerprint = String(decoding: text, as: UTF8.self)
    }

    /// "cluster key <fingerprint>" (never the key).
    public var description: String { "cluster key \(fingerprint)" }

    /// Appends the tag of everything in `buffer` (the first `WireFormat.tagBytes` bytes of
    /// HMAC-SHA-256 over it), without allocating beyond the buffer's own growth.
    func appendTag(to buffer: inout [UInt8]) {
        let count = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: WireFormat.tagBytes))
        buffer.withUnsafeMutableBytes { raw in
            var computation = mac.makeComputation()
            computation.update(UnsafeRawBufferPointer(rebasing: raw[0..<count]))
            computation.finalize(into: UnsafeMutableRawBufferPointer(rebasing: raw[count...]))
        }
    }

    /// Whether `tag` is the tag of `message`, compared in constant time.
    func isTag(_ tag: UnsafeRawBufferPointer, of message: UnsafeRawBufferPointer) -> Bool {
        var computation = mac.makeComputation()
        computation.update(message)
        var expected: (UInt64, UInt64) = (0, 0)
        return withUnsafeMutableBytes(of: &expected) { raw in
            computation.finalize(into: raw)
            return HMACSHA256.constantTimeEquals(UnsafeRawBufferPointer(raw), tag, prefixLength: WireFormat.tagBytes)
        }
    }
}

/// Why bytes are not a cluster key.
public enum ClusterKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Fewer than `ClusterKey.minimumBytes` bytes (after the trailing newline): this many.
    case tooShort(Int)
    /// More than `ClusterKey.maximumBytes` bytes: this many.
    case tooLong(Int)

    /// A one-line explanation.
    public var description: String {
        switch self {
        case .tooShort(let count):
            return "a cluster key needs at least \(ClusterKey.minimumBytes) bytes (besides one trailing newline), "
                + "this one has \(count)"
        case .tooLong:
            return "a cluster key has at most \(ClusterKey.maximumBytes) bytes, this one has more"
        }
    }
}

import Foundation
import Testing

/// Bytes as lower-case hex, two digits each.
func hex(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}

/// A coreutils digest tool (`sha1sum`, `sha256sum`) to check the project's hashes against.
struct SystemDigest {
    /// The tool's path.
    let path: String
    /// Hex digits in one digest.
    let hexDigits: Int

    static let sha1 = SystemDigest(path: "/usr/bin/sha1sum", hexDigits: 40)
    static let sha256 = SystemDigest(path: "/usr/bin/sha256sum", hexDigits: 64)

    /// Whether the tool is installed.
    var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: path) }

    struct Failure: Error {
        let status: Int32
    }

    /// Runs the tool once over one temporary file per input; returns the hex digests in input
    /// order.
    func digests(_ inputs: [[UInt8]]) throws -> [String] {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("chord-digest-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var paths: [String] = []
        for (index, input) in inputs.enumerated() {
            let file = directory.appendingPathComponent("input-\(index).bin")
            try Data(input).write(to: file)
            paths.append(file.path)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = paths
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Failure(status: process.terminationStatus) }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        guard lines.count == inputs.count else { throw Failure(status: -1) }
        return lines.map { String($0.prefix(hexDigits)) }
    }
}

/// Hashes messages of 0...130 zero bytes (every padding boundary of a 64-byte block hash):
/// hashing twice agrees, and all digests differ.
func expectPaddingBoundaryDigestsDistinct(_ hash: ([UInt8]) -> [UInt8],
                                          sourceLocation: SourceLocation = #_sourceLocation) {
    var seen = Set<[UInt8]>()
    for length in 0...130 {
        let message = [UInt8](repeating: 0, count: length)
        let digest = hash(message)
        #expect(hash(message) == digest, sourceLocation: sourceLocation)
        #expect(seen.insert(digest).inserted, "length \(length)", sourceLocation: sourceLocation)
    }
}

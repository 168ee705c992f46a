import ChordCore
import Foundation
import Testing
@testable import ChordWire

/// The example datagrams of docs/PROTOCOL.md, byte for byte: if the encoding changes, the
/// document must change with it (and the protocol version should too). The tag of the
/// authenticated example was checked with `openssl dgst -sha256 -hmac`.
@Suite("Wire format: documented examples")
struct GoldenTests {
    static let node = Peer(address: NodeAddress(ipv4: 0x7F00_0001, port: 4000))  // 127.0.0.1:4000
    static let other = Peer(address: NodeAddress(ipv6High: 0x2001_0DB8_0000_0000, ipv6Low: 1, port: 4001))  // [2001:db8::1]:4001

    static let examples: [(String, Envelope, String)] = [
        ("ping from 127.0.0.1:4000",
         Envelope(requestID: 1, sender: node, message: .ping),
         "43 48 02 01 01 00 00 00 00 00 00 00 01 ca f8 d9 b8 5e 7f a9 a1 24 cb 44 cb 28 ad 52 89 fa a4 46 68 04 7f 00 00 01 0f a0"),
        ("client get \"user:42\"",
         Envelope(requestID: 0x2A, sender: nil, message: .get(key: Array("user:42".utf8))),
         "43 48 02 10 00 00 00 00 00 00 00 00 2a 00 07 75 73 65 72 3a 34 32"),
        ("nextHop closer [2001:db8::1]:4001",
         Envelope(requestID: 0x0000_0000_DEAD_BEEF, sender: node, message: .nextHop(.closer([other]))),
         "43 48 02 85 01 00 00 00 00 de ad be ef ca f8 d9 b8 5e 7f a9 a1 24 cb 44 cb 28 ad 52 89 fa a4 46 68 04 7f 00 00 01 0f a0 "
         + "01 01 12 c5 cd e3 fa f1 01 92 32 d9 67 34 92 4f e1 a9 c7 8c 1c 1e 06 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01 0f a1"),
        ("result ok \"hi\"",
         Envelope(requestID: 0x2A, sender: node, message: .result(status: .ok, value: Array("hi".utf8))),
         "43 48 02 90 01 00 00 00 00 00 00 00 2a ca f8 d9 b8 5e 7f a9 a1 24 cb 44 cb 28 ad 52 89 fa a4 46 68 04 7f 00 00 01 0f a0 "
         + "00 01 00 00 00 02 68 69"),
        ("ping with the receiver's cookie",
         Envelope(requestID: 0x0123_4567_89AB_CDEF, cookie: 0x1122_3344_5566_7788, sender: node, message: .ping),
         "43 48 02 01 03 01 23 45 67 89 ab cd ef 11 22 33 44 55 66 77 88 "
         + "ca f8 d9 b8 5e 7f a9 a1 24 cb 44 cb 28 ad 52 89 fa a4 46 68 04 7f 00 00 01 0f a0"),
        ("retry with cookie, to a client not yet validated",
         Envelope(requestID: 0x2A, cookie: 0x1122_3344_5566_7788, sender: nil, message: .error(.retryWithCookie)),
         "43 48 02 ff 02 00 00 00 00 00 00 00 2a 11 22 33 44 55 66 77 88 0c"),
        ("client get \"user:42\" with the node's cookie",
         Envelope(requestID: 0x2B, cookie: 0x1122_3344_5566_7788, sender: nil, message: .get(key: Array("user:42".utf8))),
         "43 48 02 10 02 00 00 00 00 00 00 00 2b 11 22 33 44 55 66 77 88 00 07 75 73 65 72 3a 34 32"),
    ]

    /// The documented cluster key (the 32 ASCII characters "0123456789abcdef0123456789abcdef")
    /// and sending time (2026-11-28T12:00:00Z).
    static let clusterKey = try! ClusterKey(keyFileContents: Array("0123456789abcdef0123456789abcdef\n".utf8))
    static let sentAt: UInt64 = 1_795_867_200_000

    static let authenticatedExamples: [(String, Envelope, String)] = [
        ("client get \"user:42\" with a cluster key",
         Envelope(requestID: 0x2A, sender: nil, message: .get(key: Array("user:42".utf8))),
         "43 48 02 10 04 00 00 00 00 00 00 00 2a 00 07 75 73 65 72 3a 34 32 "
         + "00 00 01 a2 22 06 ca 00 e0 00 b3 ba 64 2f ab cc 10 f0 db 8a 4c 8d 67 5a"),
    ]

    @Test(arguments: authenticatedExamples.indices)
    func documentedAuthenticatedBytes(index: Int) throws {
        let (name, envelope, expected) = Self.authenticatedExamples[index]
        let bytes = WireFormat.encode(envelope, key: Self.clusterKey, unixMilliseconds: Self.sentAt)
        #expect(hex(bytes) == expected, "\(name)")
        #expect(try WireFormat.decode(bytes, key: Self.clusterKey, unixMilliseconds: Self.sentAt + 1000) == envelope)
    }

    /// The hex bytes of every code block under "## Examples" in docs/PROTOCOL.md (each line's
    /// bytes end where its comment starts, after two spaces or more).
    static func documentedExamples() throws -> [String] {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../docs/PROTOCOL.md").standardized.path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        guard let section = text.range(of: "\n## Examples\n") else { return [] }
        var blocks: [String] = []
        var current: [String]?
        for line in text[section.upperBound...].split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") {
                if let bytes = current { blocks.append(bytes.joined(separator: " ")) }
                current = current == nil ? [] : nil
                continue
            }
            guard current != nil else { continue }
            let bytes = line.components(separatedBy: "  ").first ?? ""
            current?.append(contentsOf: bytes.split(separator: " ").map(String.init))
        }
        return blocks
    }

    /// The document shows exactly these examples, no more, no fewer, byte for byte.
    @Test func theDocumentShowsTheseExamples() throws {
        let documented = try Self.documentedExamples()
        let tested = (Self.examples + Self.authenticatedExamples).map(\.2)
        #expect(documented.count == tested.count)
        #expect(Set(documented) == Set(tested), "\(Set(documented).symmetricDifference(Set(tested)))")
    }

    @Test(arguments: examples.indices)
    func documentedBytes(index: Int) throws {
        let (name, envelope, expected) = Self.examples[index]
        let bytes = WireFormat.encode(envelope)
        #expect(hex(bytes) == expected, "\(name)")
        #expect(try WireFormat.decode(bytes) == envelope)
    }
}

import ChordCore
import Testing
@testable import ChordWire

/// A datagram built by hand: header (no cookie or sender unless `flags` says so) and `body`.
private func datagram(type: UInt8, flags: UInt8 = 0, requestID: UInt8 = 7, _ body: [UInt8] = []) -> [UInt8] {
    [0x43, 0x48, 0x02, type, flags, 0, 0, 0, 0, 0, 0, 0, requestID] + body
}

private func u16(_ value: Int) -> [UInt8] { [UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }
private func u32(_ value: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) } }
private let id20 = [UInt8](repeating: 0xAB, count: 20)
private let ipv4Peer: [UInt8] = id20 + [4, 10, 0, 0, 1, 0x0F, 0xA0]

@Suite("Wire format: truncated and trailing bytes")
struct TruncationTests {
    static let names = ["ping", "findNext", "leaving mixed", "put", "store", "syncDigest", "neighbors",
                        "nextHop closer", "result ok value", "result notFound", "trace found", "info",
                        "fetched tombstone", "syncDifferences", "error overloaded", "unknownRequest"]

    @Test(arguments: names)
    func everyPrefixThrowsTruncated(name: String) throws {
        let message = try #require(RoundTripTests.byName[name])
        for (sender, cookie) in [(nil, nil), (Fixtures.v4, nil), (Fixtures.v6, nil), (nil, Fixtures.cookie),
                                 (Fixtures.v4, Fixtures.cookie)] as [(Peer?, UInt64?)] {
            let bytes = WireFormat.encode(Envelope(requestID: 42, cookie: cookie, sender: sender, message: message))
            for length in 0..<bytes.count {
                let error = decodeError(Array(bytes[0..<length]))
                guard case .truncated(let expected, let got)? = error else {
                    Issue.record("\(name), prefix \(length): \(String(describing: error))")
                    continue
                }
                #expect(got == length)
                #expect(expected > length && expected <= bytes.count)
            }
        }
    }

    @Test(arguments: [1, 2, 100])
    func trailingBytesThrow(extra: Int) {
        for envelope in Fixtures.small {
            let bytes = WireFormat.encode(envelope) + [UInt8](repeating: 0, count: extra)
            if case .unknownRequest = envelope.message {
                #expect(throws: Never.self) { try WireFormat.decode(bytes) }
            } else {
                #expect(decodeError(bytes) == .trailingBytes(extra))
            }
        }
    }
}

@Suite("Wire format: header")
struct HeaderTests {
    @Test(arguments: [[0x00, 0x48], [0x43, 0x00], [0x48, 0x43], [0xFF, 0xFF]] as [[UInt8]])
    func badMagic(magic: [UInt8]) {
        var bytes = WireFormat.encode(Envelope(requestID: 1, sender: Fixtures.v4, message: .ping))
        bytes[0] = magic[0]
        bytes[1] = magic[1]
        #expect(decodeError(bytes) == .badMagic)
    }

    /// Version 1 (no cookies) and any later version are refused, whatever follows.
    @Test(arguments: [UInt8(0), 1, 3, 0xFF])
    func unsupportedVersion(version: UInt8) {
        for envelope in [Envelope(requestID: 1, sender: nil, message: .ping),
                         Envelope(requestID: 2, cookie: Fixtures.cookie, sender: Fixtures.v4, message: .get(key: Fixtures.shortKey))] {
            var bytes = WireFormat.encode(envelope)
            bytes[2] = version
            #expect(decodeError(bytes) == .unsupportedVersion(version))
        }
    }

    /// Flags bits 4-7 are reserved: any of them set makes the datagram invalid, alone or with
    /// the sender, cookie and padding bits.
    @Test(arguments: [UInt8(0x10), 0x20, 0x40, 0x80, 0x11, 0x1B, 0xF0, 0xFB])
    func reservedFlagBits(flags: UInt8) {
        var body: [UInt8] = []
        if flags & 0x02 != 0 { body += [UInt8](repeating: 0xC0, count: 8) }
        if flags & 0x01 != 0 { body += ipv4Peer }
        #expect(decodeError(datagram(type: 0x01, flags: flags, body)) == .invalidField("header flags"))
    }

    /// Flags bit 2 (a cluster-key trailer follows) is not decoded without a key: a distinct
    /// error, so that a node can say it has none.
    @Test(arguments: [UInt8(0x04), 0x05, 0x06, 0x07])
    func authenticatedFlagWithoutAKey(flags: UInt8) {
        #expect(decodeError(datagram(type: 0x01, flags: flags, [UInt8](repeating: 0, count: 80))) == .unexpectedTag)
    }

    @Test func cookieFlagReadsEightBytesBeforeTheSender() throws {
        let cookie: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
        let plain = try WireFormat.decode(datagram(type: 0x01, flags: 0x02, cookie))
        #expect(plain == Envelope(requestID: 7, cookie: 0x0102_0304_0506_0708, sender: nil, message: .ping))
        let withSender = try WireFormat.decode(datagram(type: 0x01, flags: 0x03, cookie + ipv4Peer))
        #expect(withSender.cookie == 0x0102_0304_0506_0708)
        #expect(withSender.sender?.address == NodeAddress(ipv4: 0x0A00_0001, port: 4000))
        #expect(decodeError(datagram(type: 0x01, flags: 0x02, Array(cookie.dropLast()))) == .truncated(expected: 21, got: 20))
        #expect(decodeError(datagram(type: 0x01, flags: 0x03, cookie)) == .truncated(expected: 41, got: 21))
    }

    @Test func shortDatagrams() {
        #expect(decodeError([]) == .truncated(expected: 13, got: 0))
        #expect(decodeError([0x43]) == .truncated(expected: 13, got: 1))
        #expect(decodeError(Array(datagram(type: 0x01).dropLast())) == .truncated(expected: 13, got: 12))
    }

    @Test func oversizedDatagram() {
        let bytes = datagram(type: 0x01) + [UInt8](repeating: 0, count: WireFormat.maximumDatagramBytes)
        #expect(decodeError(bytes) == .tooLarge(bytes.count))
    }

    static let unknownRequestCodes = (UInt8(0x00)...0x7F).filter { MessageType(rawValue: $0) == nil }
    static let unknownResponseCodes = (UInt8(0x80)...0xFF).filter { MessageType(rawValue: $0) == nil }

    @Test(arguments: unknownRequestCodes)
    func unknownRequestTypeDecodesWithItsBodyIgnored(type: UInt8) throws {
        for body in [[], [0xFF], [UInt8](repeating: 0x5A, count: 300)] as [[UInt8]] {
            let plain = try WireFormat.decode(datagram(type: type, body))
            #expect(plain == Envelope(requestID: 7, sender: nil, message: .unknownRequest(type: type)))
            let withSender = try WireFormat.decode(datagram(type: type, flags: 1, ipv4Peer + body))
            #expect(withSender.sender?.address == NodeAddress(ipv4: 0x0A00_0001, port: 4000))
            #expect(withSender.message == .unknownRequest(type: type))
        }
        let withCookie = try WireFormat.decode(datagram(type: type, flags: 3, [UInt8](repeating: 9, count: 8) + ipv4Peer))
        #expect(withCookie.cookie == 0x0909_0909_0909_0909)
        #expect(withCookie.message == .unknownRequest(type: type))
        // The header must still be valid: a truncated or bad sender is an error.
        #expect(decodeError(datagram(type: type, flags: 1, Array(ipv4Peer.dropLast()))) == .truncated(expected: 40, got: 39))
        #expect(decodeError(datagram(type: type, flags: 1, id20 + [5, 10, 0, 0, 1, 0x0F, 0xA0]))
                == .invalidField("address family 5"))
    }

    @Test(arguments: unknownResponseCodes)
    func unknownResponseTypeThrows(type: UInt8) {
        #expect(decodeError(datagram(type: type)) == .unknownResponseType(type))
        #expect(decodeError(datagram(type: type, flags: 1, ipv4Peer + [1, 2, 3])) == .unknownResponseType(type))
    }
}

@Suite("Wire format: invalid fields and oversized lengths")
struct InvalidFieldTests {
    /// Datagrams with one bad field each, and the error each must give.
    static let cases: [(String, [UInt8], WireError)] = [
        ("address family 0", datagram(type: 0x01, flags: 1, id20 + [0, 10, 0, 0, 1, 0x0F, 0xA0]), .invalidField("address family 0")),
        ("address family 5", datagram(type: 0x01, flags: 1, id20 + [5, 10, 0, 0, 1, 0x0F, 0xA0]), .invalidField("address family 5")),
        ("port 0", datagram(type: 0x01, flags: 1, id20 + [4, 10, 0, 0, 1, 0, 0]), .invalidField("port 0")),
        ("IPv6 port 0", datagram(type: 0x01, flags: 1, id20 + [6] + [UInt8](repeating: 1, count: 16) + [0, 0]),
         .invalidField("port 0")),
        ("key longer than datagram", datagram(type: 0x24, u16(1024) + [0x61]), .truncated(expected: 13 + 2 + 1024, got: 16)),
        ("key 65535 beyond datagram", datagram(type: 0x12, u16(65535)), .truncated(expected: 13 + 2 + 65535, got: 15)),
        ("key 1025 one byte short", datagram(type: 0x10, u16(1025) + [UInt8](repeating: 0x61, count: 1024)),
         .truncated(expected: 13 + 2 + 1025, got: 13 + 2 + 1024)),
        ("value 64001 beyond datagram", datagram(type: 0x11, u16(1) + [0x61] + u32(64_001)),
         .truncated(expected: 13 + 3 + 4 + 64_001, got: 20)),
        ("value u32 max", datagram(type: 0x21, u16(1) + [0x61] + u32(.max)), .truncated(expected: 13 + 3 + 4 + Int(UInt32.max), got: 20)),
        ("value longer than datagram", datagram(type: 0x11, u16(1) + [0x61] + u32(64_000) + [1, 2]),
         .truncated(expected: 13 + 3 + 4 + 64_000, got: 22)),
        ("result status 15", datagram(type: 0x90, [15, 0]), .invalidField("status 15")),
        ("error status 15", datagram(type: 0xFF, [15]), .invalidField("status 15")),
        ("error status 255", datagram(type: 0xFF, [255]), .invalidField("status 255")),
        ("result presence 2", datagram(type: 0x90, [0, 2]), .invalidField("presence byte")),
        ("neighbors presence 0xFF", datagram(type: 0x82, [0xFF, 0]), .invalidField("presence byte")),
        ("fetched presence 2", datagram(type: 0xA4, [2]), .invalidField("presence byte")),
        ("step kind 2", datagram(type: 0x85, [2, 0]), .invalidField("lookup step kind")),
        ("65 peers", datagram(type: 0x85, [1, 65] + [UInt8](repeating: 0, count: 65 * 27)), .tooLarge(65)),
        ("255 successors", datagram(type: 0x82, [0, 255]), .tooLarge(255)),
        ("peer count beyond datagram", datagram(type: 0x06, [0, 64] + ipv4Peer), .truncated(expected: 15 + 64 * 27, got: 42)),
        ("161 fingers", datagram(type: 0x94, [0, 0, 161]), .tooLarge(161)),
        ("4097 entries", datagram(type: 0x23, u16(4097)), .tooLarge(4097)),
        ("65535 entries", datagram(type: 0x23, u16(65535)), .tooLarge(65535)),
        ("entries beyond datagram", datagram(type: 0x23, u16(4096) + [0, 1]), .truncated(expected: 15 + 4096 * 19, got: 17)),
        ("4097 digests", datagram(type: 0x25, id20 + id20 + u16(4097)), .tooLarge(4097)),
        ("digests beyond datagram", datagram(type: 0x25, id20 + id20 + u16(3) + [UInt8](repeating: 0, count: 23)),
         .truncated(expected: 13 + 42 + 24, got: 78)),
        ("4097 buckets", datagram(type: 0xA5, u16(4097)), .tooLarge(4097)),
        ("buckets beyond datagram", datagram(type: 0xA5, u16(2) + [0, 1, 0]), .truncated(expected: 19, got: 18)),
        ("hops beyond datagram", datagram(type: 0x93, id20 + [0, 200]), .truncated(expected: 13 + 22 + 200 * 8, got: 35)),
        ("trace status 99", datagram(type: 0x93, id20 + [99, 0]), .invalidField("status 99")),
        ("hop flags 0x08", datagram(type: 0x93, id20 + [0, 1, 4, 10, 0, 0, 1, 0x0F, 0xA0, 0x08]), .invalidField("hop flags")),
        ("store entry value beyond datagram",
         datagram(type: 0x23, u16(1) + u16(1) + [0x61, 1] + u32(70_000) + [UInt8](repeating: 0, count: 16)),
         .truncated(expected: 13 + 2 + 4 + 4 + 70_000, got: 13 + 2 + 4 + 4 + 16)),
    ]

    @Test(arguments: cases.indices)
    func invalidFieldThrows(index: Int) {
        let (name, bytes, expected) = Self.cases[index]
        let error = decodeError(bytes)
        #expect(error == expected, "\(name): \(hex(Array(bytes.prefix(64))))")
    }

    /// Keys and values of any length that fits the datagram decode (an empty key, a key over
    /// 1,024 bytes, a value over 64,000): the node, not the decoder, refuses them, so that the
    /// sender hears `key too large` or `value too large` instead of silence.
    @Test func lengthsBeyondTheStoreLimitsDecode() throws {
        let longKey = [UInt8](repeating: 0x61, count: 1025)
        #expect(try WireFormat.decode(datagram(type: 0x10, u16(0))).message == .get(key: []))
        #expect(try WireFormat.decode(datagram(type: 0x10, u16(1025) + longKey)).message == .get(key: longKey))
        let hugeKey = [UInt8](repeating: 0x62, count: WireFormat.maximumDatagramBytes - 15)
        #expect(try WireFormat.decode(datagram(type: 0x12, u16(hugeKey.count) + hugeKey)).message == .remove(key: hugeKey))
        let longValue = [UInt8](repeating: 0x76, count: 64_001)
        #expect(try WireFormat.decode(datagram(type: 0x11, u16(1) + [0x61] + u32(64_001) + longValue)).message
                == .put(key: [0x61], value: longValue))
        let emptyKeyEntry = u16(1) + u16(0) + [0] + [UInt8](repeating: 0, count: 16)
        #expect(try WireFormat.decode(datagram(type: 0x23, emptyKeyEntry)).message
                == .store(entries: [StoredEntry(key: [], value: nil, version: .zero)]))
        // Still one byte too many is trailing, one too few truncated.
        #expect(decodeError(datagram(type: 0x23, emptyKeyEntry + [0])) == .trailingBytes(1))
        #expect(decodeError(datagram(type: 0x10, u16(1025) + longKey.dropLast())) == .truncated(expected: 1040, got: 1039))
    }

    @Test func everyStatusByteUpToNoClusterKeyDecodes() throws {
        for byte in UInt8(0)...0x0E {
            let status = try #require(Status(rawValue: byte))
            #expect(try WireFormat.decode(datagram(type: 0xFF, [byte])).message == .error(status))
            #expect(try WireFormat.decode(datagram(type: 0x90, [byte, 0])).message == .result(status: status, value: nil))
        }
        #expect(Status.retryWithCookie.rawValue == 0x0C)
        #expect(Status.authenticationFailed.rawValue == 0x0D)
        #expect(Status.noClusterKey.rawValue == 0x0E)
        #expect(Status.allCases.count == 15)
    }

    @Test func descriptionsNameTheProblem() {
        #expect(WireError.truncated(expected: 13, got: 2).description == "truncated datagram: needed 13 bytes, got 2")
        #expect(WireError.unknownResponseType(0xEE).description == "unknown response type 0xee")
        #expect(WireError.invalidField("port 0").description == "invalid field: port 0")
        #expect(WireError.tooLarge(65).description.contains("65"))
    }
}

@Suite("Malformed padding")
struct MalformedPaddingTests {
    /// Padding bytes are zeros: anything else is refused (one encoding per envelope).
    @Test func nonZeroPaddingIsRefused() {
        let sender = Peer(address: NodeAddress(ipv4: 0x7F00_0001, port: 4000))
        var bytes = WireFormat.encode(Envelope(requestID: 3, sender: sender, message: .getNeighbors, padding: 4))
        bytes[bytes.count - 2] = 1
        #expect(throws: WireError.invalidField("padding")) { try WireFormat.decode(bytes) }
    }
}

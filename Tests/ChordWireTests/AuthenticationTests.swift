import ChordCore
import Testing
@testable import ChordWire

/// A key from text (at least 16 bytes).
private func key(_ text: String) -> ClusterKey {
    try! ClusterKey(bytes: Array(text.utf8))
}

private let clusterKey = key("0123456789abcdef0123456789abcdef")
private let otherKey = key("0123456789abcdef0123456789abcdeF")
/// 2026-11-28T12:00:00Z in Unix milliseconds.
private let now: UInt64 = 1_795_867_200_000

private func sealed(_ envelope: Envelope, at timestamp: UInt64 = now, with key: ClusterKey = clusterKey) -> [UInt8] {
    WireFormat.encode(envelope, key: key, unixMilliseconds: timestamp)
}

private func authenticationError(_ bytes: [UInt8], key: ClusterKey? = clusterKey, at time: UInt64 = now) -> WireError? {
    do {
        _ = try WireFormat.decode(bytes, key: key, unixMilliseconds: time)
        return nil
    } catch {
        return error
    }
}

@Suite("Wire format: cluster-key trailer")
struct AuthenticationLayoutTests {
    @Test func everySmallEnvelopeRoundTripsWithAKey() throws {
        for envelope in Fixtures.small {
            let bytes = sealed(envelope)
            #expect(bytes.count == WireFormat.encodedSize(of: envelope) + WireFormat.trailerBytes)
            #expect(bytes.count == WireFormat.encodedSize(of: envelope, key: clusterKey))
            #expect(try WireFormat.decode(bytes, key: clusterKey, unixMilliseconds: now) == envelope)
        }
    }

    /// Flags bit 2, then the envelope's own bytes, the timestamp big-endian, and the first 16
    /// bytes of HMAC-SHA-256 over everything before the tag.
    @Test func trailerLayout() {
        let envelope = Envelope(requestID: 0x2A, cookie: 0x1122_3344_5566_7788, sender: nil, message: .get(key: Array("user:42".utf8)))
        let plain = WireFormat.encode(envelope)
        let bytes = sealed(envelope)
        #expect(bytes[4] == plain[4] | 0x04)
        #expect(Array(bytes[5..<plain.count]) == Array(plain[5...]))
        #expect(Array(bytes[plain.count..<(plain.count + 8)]) == [0x00, 0x00, 0x01, 0xA2, 0x22, 0x06, 0xCA, 0x00])
        let tag = HMACSHA256.authenticationCode(for: bytes[..<(bytes.count - 16)], key: Array("0123456789abcdef0123456789abcdef".utf8))
        #expect(Array(bytes.suffix(16)) == Array(tag.prefix(16)))
    }

    @Test func encodeIntoReusesTheBufferWithAndWithoutAKey() {
        let envelope = Envelope(requestID: 1, sender: Fixtures.v4, message: .ping)
        var buffer: [UInt8] = [9, 9, 9]
        WireFormat.encode(envelope, key: clusterKey, unixMilliseconds: now, into: &buffer)
        #expect(buffer == sealed(envelope))
        WireFormat.encode(envelope, key: nil, unixMilliseconds: now, into: &buffer)
        #expect(buffer == WireFormat.encode(envelope))
    }

    @Test func headerIsReadableForAnAnswer() throws {
        let bytes = sealed(Envelope(requestID: 0xABCD, sender: nil, message: .getInfo))
        let header = try #require(bytes.withUnsafeBytes { WireFormat.header(of: $0) })
        #expect(header.requestID == 0xABCD)
        #expect(header.typeCode == 0x14 && WireFormat.isRequest(typeCode: header.typeCode))
        #expect(!WireFormat.isRequest(typeCode: 0x90))
        #expect([UInt8](repeating: 0, count: 13).withUnsafeBytes { WireFormat.header(of: $0) } == nil)
        var reserved = bytes
        reserved[4] |= 0x80
        #expect(reserved.withUnsafeBytes { WireFormat.header(of: $0) } == nil)
    }
}

@Suite("Wire format: cluster-key checks")
struct AuthenticationCheckTests {
    @Test func aKeylessReceiverRefusesATaggedDatagram() {
        let bytes = sealed(Envelope(requestID: 3, sender: Fixtures.v4, message: .ping))
        #expect(decodeError(bytes) == .unexpectedTag)
        #expect(authenticationError(bytes, key: nil) == .unexpectedTag)
        #expect(WireError.unexpectedTag.isAuthenticationFailure)
    }

    @Test func aKeyedReceiverRefusesAnUntaggedDatagram() {
        for envelope in Fixtures.small {
            #expect(authenticationError(WireFormat.encode(envelope)) == .missingTag)
        }
    }

    @Test func anotherKeyIsRefused() {
        let bytes = sealed(Envelope(requestID: 3, sender: nil, message: .get(key: Fixtures.shortKey)), with: otherKey)
        #expect(authenticationError(bytes) == .badTag)
        #expect(authenticationError(bytes, key: otherKey) == nil)
    }

    /// Every single flipped bit is refused: in the tag, the timestamp, the body, the header.
    @Test(arguments: ["get", "put", "neighbors", "ping", "error overloaded"])
    func everyFlippedBitIsRefused(name: String) throws {
        let message = try #require(RoundTripTests.byName[name])
        let original = sealed(Envelope(requestID: 0x0102_0304_0506_0708, cookie: Fixtures.cookie, sender: Fixtures.v4,
                                       message: message))
        for position in original.indices {
            for bit in 0..<8 {
                var bytes = original
                bytes[position] ^= 1 << bit
                let error = authenticationError(bytes)
                switch position {
                case 0, 1: #expect(error == .badMagic)
                case 2: #expect(error == .unsupportedVersion(bytes[2]))
                case 4 where bit == 2: #expect(error == .missingTag)
                case 4 where bit >= 4: #expect(error == .invalidField("header flags"))
                default: #expect(error == .badTag, "byte \(position) bit \(bit)")
                }
            }
        }
    }

    /// The tag is checked before the body is read: a body that would not decode gives `badTag`
    /// under a wrong tag, and its own error only under the right one.
    @Test func theTagIsCheckedBeforeTheBody() {
        // A get whose key length runs past the end, and an unknown response type: malformed.
        let header: [UInt8] = [0x43, 0x48, 0x02, 0x10, 0x04, 0, 0, 0, 0, 0, 0, 0, 1]
        var truncatedBody = header + [0xFF, 0xFF, 0x61]
        truncatedBody += withUnsafeBytes(of: now.bigEndian, Array.init)
        var forged = truncatedBody + [UInt8](repeating: 0, count: 16)
        #expect(authenticationError(forged) == .badTag)
        clusterKey.appendTag(to: &truncatedBody)
        #expect(authenticationError(truncatedBody) == .truncated(expected: 13 + 2 + 0xFFFF, got: 16))

        var unknownResponse: [UInt8] = [0x43, 0x48, 0x02, 0xEE, 0x04, 0, 0, 0, 0, 0, 0, 0, 1]
        unknownResponse += withUnsafeBytes(of: now.bigEndian, Array.init)
        forged = unknownResponse + [UInt8](repeating: 0xAA, count: 16)
        #expect(authenticationError(forged) == .badTag)
        clusterKey.appendTag(to: &unknownResponse)
        #expect(authenticationError(unknownResponse) == .unknownResponseType(0xEE))

        // Trailing bytes inside the tagged part are the body's problem, after the tag.
        var trailing = WireFormat.encode(Envelope(requestID: 1, sender: nil, message: .ping))
        trailing[4] |= 0x04
        trailing += [0x00]
        trailing += withUnsafeBytes(of: now.bigEndian, Array.init)
        clusterKey.appendTag(to: &trailing)
        #expect(authenticationError(trailing) == .trailingBytes(1))
    }

    /// The tag is checked before the timestamp: a stale datagram with a wrong tag is `badTag`.
    @Test func theTagIsCheckedBeforeTheWindow() {
        let stale = sealed(Envelope(requestID: 1, sender: nil, message: .getInfo), at: now - 3_600_000, with: otherKey)
        #expect(authenticationError(stale) == .badTag)
    }

    @Test func tooShortForATrailer() {
        let bytes = sealed(Envelope(requestID: 1, sender: nil, message: .getInfo))
        #expect(bytes.count == 37)
        for length in 13..<37 {
            #expect(authenticationError(Array(bytes.prefix(length))) == .truncated(expected: 37, got: length))
        }
        #expect(authenticationError(Array(bytes.prefix(12))) == .truncated(expected: 13, got: 12))
    }

    /// ±30 s of the receiver's clock is accepted, one millisecond more is not, either way.
    @Test(arguments: [Int64(0), 1, -1, 29_999, -29_999, 30_000, -30_000, 30_001, -30_001, 3_600_000, -3_600_000])
    func replayWindowEdges(skew: Int64) {
        let timestamp = skew >= 0 ? now + UInt64(skew) : now - UInt64(-skew)
        let bytes = sealed(Envelope(requestID: 5, sender: Fixtures.v6, message: .ping), at: timestamp)
        let error = authenticationError(bytes)
        if skew.magnitude <= WireFormat.replayWindowMilliseconds {
            #expect(error == nil)
        } else {
            #expect(error == .staleTimestamp(skewMilliseconds: skew))
        }
    }

    @Test func extremeTimestampsAreStale() {
        for timestamp in [UInt64(0), .max] {
            let bytes = sealed(Envelope(requestID: 5, sender: nil, message: .getInfo), at: timestamp)
            guard case .staleTimestamp(let skew)? = authenticationError(bytes) else {
                Issue.record("timestamp \(timestamp) accepted")
                continue
            }
            #expect((skew > 0) == (timestamp > now))
        }
    }

    /// A stale answer whose tag is right can still be read, to tell a client its clock is off.
    @Test func aStaleDatagramCanBeReadForDiagnosis() throws {
        let envelope = Envelope(requestID: 9, sender: nil, message: .error(.authenticationFailed))
        let bytes = sealed(envelope, at: now + 90_000)
        #expect(authenticationError(bytes) == .staleTimestamp(skewMilliseconds: 90_000))
        let read = try bytes.withUnsafeBytes { try WireFormat.decodeIgnoringReplayWindow($0, key: clusterKey) }
        #expect(read.envelope == envelope)
        #expect(read.unixMilliseconds == now + 90_000)
        #expect(throws: WireError.badTag) {
            try bytes.withUnsafeBytes { try WireFormat.decodeIgnoringReplayWindow($0, key: otherKey) }
        }
    }
}

@Suite("Cluster key files")
struct ClusterKeyTests {
    @Test func oneTrailingNewlineIsDropped() throws {
        let text = "00112233445566778899aabbccddeeff"
        let plain = try ClusterKey(keyFileContents: Array(text.utf8))
        let newline = try ClusterKey(keyFileContents: Array((text + "\n").utf8))
        let crlf = try ClusterKey(keyFileContents: Array((text + "\r\n").utf8))
        let two = try ClusterKey(keyFileContents: Array((text + "\n\n").utf8))
        #expect(plain.fingerprint == newline.fingerprint && plain.fingerprint == crlf.fingerprint)
        #expect(two.fingerprint != plain.fingerprint)
        let envelope = Envelope(requestID: 1, sender: nil, message: .getInfo)
        let bytes = WireFormat.encode(envelope, key: newline, unixMilliseconds: now)
        #expect(try WireFormat.decode(bytes, key: plain, unixMilliseconds: now) == envelope)
        #expect(throws: WireError.badTag) { try WireFormat.decode(bytes, key: two, unixMilliseconds: now) }
    }

    @Test func lengthLimits() throws {
        #expect(throws: ClusterKeyError.tooShort(15)) { try ClusterKey(keyFileContents: Array("0123456789abcde\n".utf8)) }
        #expect(throws: ClusterKeyError.tooShort(0)) { try ClusterKey(keyFileContents: Array("\n".utf8)) }
        #expect(throws: ClusterKeyError.tooShort(0)) { try ClusterKey(keyFileContents: []) }
        _ = try ClusterKey(keyFileContents: Array("0123456789abcdef\n".utf8))
        _ = try ClusterKey(bytes: [UInt8](repeating: 0, count: ClusterKey.maximumBytes))
        #expect(throws: ClusterKeyError.tooLong(4097)) { try ClusterKey(bytes: [UInt8](repeating: 1, count: 4097)) }
        #expect(ClusterKeyError.tooShort(3).description.contains("16"))
    }

    @Test func theDescriptionIsAFingerprintNotTheKey() {
        let text = "secret-secret-secret-secret"
        let key = key(text)
        #expect(key.fingerprint.count == 8)
        #expect(key.description == "cluster key \(key.fingerprint)")
        #expect(!String(describing: key).contains("secret"))
        #expect(key.fingerprint == String(hex(Array(SHA256.hash(Array(text.utf8)).prefix(4))).filter { $0 != " " }))
    }
}

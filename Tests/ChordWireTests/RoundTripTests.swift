import ChordCore
import Testing
@testable import ChordWire

@Suite("Wire format: round trip of every message")
struct RoundTripTests {
    static let byName = Dictionary(uniqueKeysWithValues: Fixtures.messages)

    @Test(arguments: Fixtures.messages.map(\.0))
    func roundTrip(name: String) throws {
        let message = try #require(Self.byName[name])
        for sender in [nil, Fixtures.v4, Fixtures.v6, Fixtures.v4Edge, Fixtures.v6Edge] {
            for (requestID, cookie) in [(UInt64(0), nil), (1, 0), (0x0102_0304_0506_0708, Fixtures.cookie), (.max, .max)]
                as [(UInt64, UInt64?)] {
                let envelope = Envelope(requestID: requestID, cookie: cookie, sender: sender, message: message)
                let bytes = WireFormat.encode(envelope)
                #expect(bytes.count == WireFormat.encodedSize(of: envelope))
                #expect(bytes.count <= WireFormat.maximumDatagramBytes)
                let decoded = try WireFormat.decode(bytes)
                #expect(decoded == envelope)
                #expect(WireFormat.encode(decoded) == bytes)
            }
        }
    }

    @Test func everyTypeCodeIsCoveredAndTheRangesAreSplit() {
        let covered = Set(Fixtures.messages.map { WireFormat.typeCode(of: $0.1) })
        #expect(covered.isSuperset(of: Fixtures.knownTypeCodes))
        for code in UInt8.min...UInt8.max {
            #expect((MessageType(rawValue: code) != nil) == Fixtures.knownTypeCodes.contains(code))
        }
        for (_, message) in Fixtures.messages {
            guard case .unknownRequest = message else {
                #expect((WireFormat.typeCode(of: message) >= 0x80) == message.isResponse)
                continue
            }
        }
    }

    @Test func headerLayout() {
        #expect(WireFormat.protocolVersion == 2)
        let bytes = WireFormat.encode(Envelope(requestID: 0x0102_0304_0506_0708, sender: Fixtures.v4, message: .ping))
        #expect(Array(bytes[0..<13]) == [0x43, 0x48, 0x02, 0x01, 0x01, 1, 2, 3, 4, 5, 6, 7, 8])
        #expect(Array(bytes[13..<33]) == Fixtures.v4.id.bigEndianBytes)
        #expect(Array(bytes[33...]) == [4, 127, 0, 0, 1, 0x0F, 0xA0])
        let client = WireFormat.encode(Envelope(requestID: 9, sender: nil, message: .getInfo))
        #expect(client == [0x43, 0x48, 0x02, 0x14, 0x00, 0, 0, 0, 0, 0, 0, 0, 9])
    }

    /// The cookie (flags bit 1) comes right after the request id, before the sender.
    @Test func cookieLayout() {
        let withSender = WireFormat.encode(Envelope(requestID: 0x0102_0304_0506_0708, cookie: 0x1112_1314_1516_1718,
                                                    sender: Fixtures.v4, message: .ping))
        #expect(Array(withSender[0..<13]) == [0x43, 0x48, 0x02, 0x01, 0x03, 1, 2, 3, 4, 5, 6, 7, 8])
        #expect(Array(withSender[13..<21]) == [0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18])
        #expect(Array(withSender[21..<41]) == Fixtures.v4.id.bigEndianBytes)
        #expect(Array(withSender[41...]) == [4, 127, 0, 0, 1, 0x0F, 0xA0])
        let client = WireFormat.encode(Envelope(requestID: 9, cookie: 0, sender: nil, message: .getInfo))
        #expect(client == [0x43, 0x48, 0x02, 0x14, 0x02, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0])
        #expect(WireFormat.encodedSize(of: Envelope(requestID: 9, cookie: 0, sender: nil, message: .getInfo)) == 21)
    }

    @Test func encodeIntoReplacesContentsAndKeepsCapacity() {
        let large = Envelope(requestID: 1, sender: Fixtures.v6, message: .result(status: .ok, value: Fixtures.maximalValue))
        let small = Envelope(requestID: 2, sender: Fixtures.v4, message: .pong)
        var buffer: [UInt8] = [1, 2, 3]
        WireFormat.encode(large, into: &buffer)
        #expect(buffer == WireFormat.encode(large))
        let capacity = buffer.capacity
        WireFormat.encode(small, into: &buffer)
        #expect(buffer == WireFormat.encode(small))
        #expect(buffer.capacity == capacity)
    }

    @Test func storeEntrySizesAddUp() {
        let empty = Envelope(requestID: 1, sender: Fixtures.v4, message: .store(entries: []))
        let full = Envelope(requestID: 1, sender: Fixtures.v4, message: .store(entries: Fixtures.entries))
        let sum = Fixtures.entries.reduce(WireFormat.encodedSize(of: empty)) { $0 + WireFormat.encodedSize(of: $1) }
        #expect(WireFormat.encodedSize(of: full) == sum)
        #expect(WireFormat.encode(full).count == sum)
    }

    /// The largest messages the store sends fit one datagram (what `maximumValueBytes` is for).
    @Test(arguments: ["put maximal", "ownerRequest put maximal", "store maximal entry", "result ok maximal value"])
    func largestMessagesFitOneDatagram(name: String) throws {
        let message = try #require(Self.byName[name])
        #expect(WireFormat.encodedSize(of: Envelope(requestID: 1, sender: Fixtures.v6Edge, message: message))
                <= WireFormat.maximumDatagramBytes)
    }

    @Test func decodesFromUnalignedRawBuffers() throws {
        for envelope in Fixtures.small {
            let bytes = WireFormat.encode(envelope)
            for offset in 1...3 {
                let padded = [UInt8](repeating: 0xEE, count: offset) + bytes + [0xEE]
                let decoded = try padded.withUnsafeBytes { raw in
                    try WireFormat.decode(UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + bytes.count)]))
                }
                #expect(decoded == envelope)
            }
        }
    }
}

@Suite("Padding")
struct PaddingTests {
    @Test func paddedQueryRoundTripsAndIsAsLongAsItsSizeSays() throws {
        let sender = Peer(address: NodeAddress(ipv4: 0x7F00_0001, port: 4000))
        let query = Envelope(requestID: 9, sender: sender, message: .getNeighbors, padding: 85)
        let bytes = WireFormat.encode(query)
        #expect(bytes.count == WireSize.of(query))
        #expect(bytes[4] & 0x08 != 0)  // flags bit 3
        #expect(bytes.suffix(85).allSatisfy { $0 == 0 })
        #expect(try WireFormat.decode(bytes) == query)
    }

    @Test func paddingLongerThanTheDatagramIsTruncated() {
        let sender = Peer(address: NodeAddress(ipv4: 0x7F00_0001, port: 4000))
        var bytes = WireFormat.encode(Envelope(requestID: 9, sender: sender, message: .ping, padding: 10))
        bytes.removeLast()
        #expect(throws: WireError.self) { try WireFormat.decode(bytes) }
    }

    @Test func aQueryWithoutTheCookieIsPaddedSoTheLargestAnswerFitsThreeTimes() {
        // What the node pads to (the messenger's rule) covers its largest query answer.
        let largest = WireSize.largestQueryAnswer(successorListLength: 8)
        let sender = Peer(address: NodeAddress(ipv6High: 1, ipv6Low: 1, port: 4000))
        let base = WireSize.of(Envelope(requestID: 1, sender: sender, message: .getNeighbors))
        let wanted = (largest + 2) / 3
        let padded = Envelope(requestID: 1, sender: sender, message: .getNeighbors, padding: wanted - base - 2)
        #expect(3 * WireSize.of(padded) >= largest)
    }
}

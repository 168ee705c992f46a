import ChordCore
import ChordWire
import ClusterSupport
import Testing

extension Integration {
    /// Garbage on the node's port is dropped unanswered (an unknown request is answered
    /// `unknownCommand`), and the node keeps serving.
    @Suite(.serialized) struct MalformedInput {
        /// What the probe saw, for checking outside the blocking closure.
        struct Observations: Sendable {
            var firstAfterGarbage: Envelope?
            var unknownAnswer: Envelope?
            var unknownWithBodyAnswer: Envelope?
            var firstAfterOversized: Envelope?
        }

        @Test("random, truncated, unknown-type and oversized datagrams leave the node serving")
        func garbageLeavesTheNodeServing() async throws {
            let cluster = try await LocalCluster.start(3, seed: 0xBAD)
            defer { cluster.killAll() }
            try await cluster.waitUntilExact()
            let target = cluster.randomNode()
            let address = target.address

            let seen = try await offload { () throws -> Observations in
                let probe = try DatagramProbe(target: address)
                var random = SeededRandom(seed: 0xBAD_DA7A)
                var seen = Observations()

                // Random bytes (never starting with the magic's "C", so none is a valid datagram).
                for _ in 0..<200 {
                    var bytes = (0..<(1 + random.nextInt(below: 1400))).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                    if bytes[0] == 0x43 { bytes[0] = 0 }
                    try probe.send(bytes)
                }
                // Every proper prefix of valid requests and member messages (the empty one too).
                let me = Peer(id: .forKey("127.0.0.1:9"), address: NodeAddress(ipv4: 0x7F00_0001, port: 9))
                let valid: [Envelope] = [
                    Envelope(requestID: 1, sender: nil, message: .get(key: Array("key".utf8))),
                    Envelope(requestID: 2, sender: nil, message: .put(key: Array("key".utf8), value: Array(repeating: 7, count: 100))),
                    Envelope(requestID: 3, sender: nil, message: .traceLookup(target: .forKey("key"))),
                    Envelope(requestID: 4, sender: me, message: .getInfo),
                    Envelope(requestID: 5, sender: me, message: .leaving(predecessor: me, successors: [me])),
                ]
                for envelope in valid {
                    let bytes = WireFormat.encode(envelope)
                    for length in 0..<bytes.count { try probe.send(Array(bytes[0..<length])) }
                    // Trailing bytes, an unsupported version, reserved flag bits.
                    try probe.send(bytes + [0])
                    var version = bytes
                    version[2] = 2
                    try probe.send(version)
                    var flags = bytes
                    flags[4] |= 0x80
                    try probe.send(flags)
                }
                // None of it was answered: the first answer is the one to this info request.
                try probe.send(.getInfo, requestID: 0x1111)
                seen.firstAfterGarbage = try probe.receive()

                // A valid header with an unknown request type, without and with a body.
                try probe.send(.unknownRequest(type: 0x7E), requestID: 0x2222)
                seen.unknownAnswer = try probe.receive()
                var withBody = WireFormat.encode(Envelope(requestID: 0x3333, sender: nil, message: .unknownRequest(type: 0x7F)))
                withBody += (0..<64).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                try probe.send(withBody)
                seen.unknownWithBodyAnswer = try probe.receive()

                // The largest UDP datagram: a put whose value length is beyond the limit.
                var oversized: [UInt8] = [0x43, 0x48, 0x01, 0x11, 0x00, 0, 0, 0, 0, 0, 0, 0x44, 0x44, 0x00, 0x01, 0x6B]
                let valueLength = UInt32(WireFormat.maximumDatagramBytes - oversized.count - 4)
                oversized += withUnsafeBytes(of: valueLength.bigEndian) { Array($0) }
                oversized += [UInt8](repeating: 0x55, count: Int(valueLength))
                precondition(oversized.count == WireFormat.maximumDatagramBytes)
                try probe.send(oversized)
                // A well-formed put of a value 1 byte over the limit.
                try probe.send(.put(key: Array("k".utf8), value: [UInt8](repeating: 1, count: StorageLimits.maximumValueBytes + 1)),
                               requestID: 0x4545)
                try probe.send(.getInfo, requestID: 0x5555)
                seen.firstAfterOversized = try probe.receive()
                return seen
            }

            let first = try #require(seen.firstAfterGarbage, "the node answered nothing after the garbage")
            #expect(first.requestID == 0x1111, "garbage was answered: \(first)")
            guard case .info = first.message else { Issue.record("expected info, got \(first.message)"); return }
            #expect(first.sender?.id == target.id)

            let unknown = try #require(seen.unknownAnswer, "no answer to an unknown request type")
            #expect(unknown.requestID == 0x2222)
            #expect(unknown.message == .error(.unknownCommand))
            let unknownWithBody = try #require(seen.unknownWithBodyAnswer, "no answer to an unknown request type with a body")
            #expect(unknownWithBody.requestID == 0x3333)
            #expect(unknownWithBody.message == .error(.unknownCommand))

            let afterOversized = try #require(seen.firstAfterOversized, "the node answered nothing after the oversized datagrams")
            #expect(afterOversized.requestID == 0x5555, "an oversized datagram was answered: \(afterOversized)")

            // Still serving: reads and writes through the node, and the ring is intact.
            let client = try cluster.client(of: target)
            try await client.put("after-garbage", Array("still here".utf8))
            #expect(try await client.get("after-garbage") == Array("still here".utf8))
            #expect(try await client.get("never-written") == nil)
            try await cluster.waitUntilExact()
        }
    }
}

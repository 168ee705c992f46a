import ChordCore
import ChordWire
import ClusterSupport
import Testing

extension Integration {
    /// Garbage on the node's port is dropped unanswered (an unknown request is answered
    /// `unknownCommand`), keys and values beyond the limits are answered `key too large` /
    /// `value too large`, and the node keeps serving.
    @Suite(.serialized) struct MalformedInput {
        /// What the probe saw, for checking outside the blocking closure.
        struct Observations: Sendable {
            var firstAfterGarbage: Envelope?
            var noClusterKeyAnswer: Envelope?
            var secondNoClusterKeyAnswer: Envelope?
            var infoWithCookie: Envelope?
            var unknownAnswer: Envelope?
            var unknownWithBodyAnswer: Envelope?
            var largestDatagramAnswer: Envelope?
            var oversizedValueAnswer: Envelope?
            var oversizedKeyAnswer: Envelope?
            var emptyKeyAnswer: Envelope?
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
                    // Trailing bytes, unsupported versions (the old 1, a future 3), reserved
                    // flag bits.
                    try probe.send(bytes + [0])
                    for version: UInt8 in [1, 3] {
                        var versioned = bytes
                        versioned[2] = version
                        try probe.send(versioned)
                    }
                    var flags = bytes
                    flags[4] |= 0x80
                    try probe.send(flags)
                }
                // The cluster-key flag, to a node without a key: not decoded; from another
                // socket, the first is answered "no cluster key", the rest within the second
                // are not (one answer a second to each source).
                let tagging = try DatagramProbe(target: address)
                for envelope in valid {
                    var tagged = WireFormat.encode(envelope)
                    tagged[4] |= 0x04
                    try tagging.send(tagged)
                }
                seen.noClusterKeyAnswer = try tagging.receive()
                seen.secondNoClusterKeyAnswer = try tagging.receive(timeoutMilliseconds: 300)
                // None of it was answered: the first answer is the one to this info request.
                // The bare probe has not proved it receives at its address: the info (far more
                // than 3 times the 13-byte request) is withheld for a cookie...
                try probe.send(.getInfo, requestID: 0x1111)
                seen.firstAfterGarbage = try probe.receive()
                // ... and sent to the request carrying it.
                let cookie = seen.firstAfterGarbage?.cookie
                try probe.send(.getInfo, requestID: 0x1112, cookie: cookie)
                seen.infoWithCookie = try probe.receive()

                // A valid header with an unknown request type, without and with a body.
                try probe.send(.unknownRequest(type: 0x7E), requestID: 0x2222)
                seen.unknownAnswer = try probe.receive()
                var withBody = WireFormat.encode(Envelope(requestID: 0x3333, sender: nil, message: .unknownRequest(type: 0x7F)))
                withBody += (0..<64).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                try probe.send(withBody)
                seen.unknownWithBodyAnswer = try probe.receive()

                // The largest UDP datagram: a put whose value fills it, far beyond the limit.
                var largest: [UInt8] = [0x43, 0x48, WireFormat.protocolVersion, 0x11, 0x00, 0, 0, 0, 0, 0, 0, 0x44, 0x44,
                                        0x00, 0x01, 0x6B]
                let valueLength = UInt32(WireFormat.maximumDatagramBytes - largest.count - 4)
                largest += withUnsafeBytes(of: valueLength.bigEndian) { Array($0) }
                largest += [UInt8](repeating: 0x55, count: Int(valueLength))
                precondition(largest.count == WireFormat.maximumDatagramBytes)
                try probe.send(largest)
                seen.largestDatagramAnswer = try probe.receive()
                // A well-formed put of a value 1 byte over the limit, of a key 1 byte over,
                // a get of an empty key: each is answered with why (status 06 or 07).
                try probe.send(.put(key: Array("k".utf8), value: [UInt8](repeating: 1, count: StorageLimits.maximumValueBytes + 1)),
                               requestID: 0x4545)
                seen.oversizedValueAnswer = try probe.receive()
                try probe.send(.put(key: [UInt8](repeating: 0x6B, count: StorageLimits.maximumKeyBytes + 1), value: [1]),
                               requestID: 0x4646)
                seen.oversizedKeyAnswer = try probe.receive()
                try probe.send(.get(key: []), requestID: 0x4747)
                seen.emptyKeyAnswer = try probe.receive()
                // A value over the limit beyond the datagram's end: malformed, unanswered.
                var truncated = WireFormat.encode(Envelope(requestID: 0x4848, sender: nil,
                                                           message: .put(key: [0x6B], value: [UInt8](repeating: 1, count: 100))))
                truncated.removeLast()
                try probe.send(truncated)
                try probe.send(.getInfo, requestID: 0x5555, cookie: cookie)
                seen.firstAfterOversized = try probe.receive()
                return seen
            }

            let noKey = try #require(seen.noClusterKeyAnswer, "a tagged request to a keyless node was not answered")
            #expect(noKey == Envelope(requestID: 1, sender: nil, message: .error(.noClusterKey)))
            #expect(seen.secondNoClusterKeyAnswer == nil, "a second refusal within the second: \(String(describing: seen.secondNoClusterKeyAnswer))")

            let first = try #require(seen.firstAfterGarbage, "the node answered nothing after the garbage")
            #expect(first.requestID == 0x1111, "garbage was answered: \(first)")
            #expect(first.message == .error(.retryWithCookie), "expected retry with cookie, got \(first.message)")
            #expect(first.sender == nil && first.cookie != nil)
            let info = try #require(seen.infoWithCookie, "no answer to the info request with the cookie")
            #expect(info.requestID == 0x1112)
            guard case .info = info.message else { Issue.record("expected info, got \(info.message)"); return }
            #expect(info.sender?.id == target.id)

            let unknown = try #require(seen.unknownAnswer, "no answer to an unknown request type")
            #expect(unknown.requestID == 0x2222)
            #expect(unknown.message == .error(.unknownCommand))
            let unknownWithBody = try #require(seen.unknownWithBodyAnswer, "no answer to an unknown request type with a body")
            #expect(unknownWithBody.requestID == 0x3333)
            #expect(unknownWithBody.message == .error(.unknownCommand))

            for (answer, requestID, status) in [(seen.largestDatagramAnswer, UInt64(0x4444), Status.valueTooLarge),
                                                (seen.oversizedValueAnswer, 0x4545, .valueTooLarge),
                                                (seen.oversizedKeyAnswer, 0x4646, .keyTooLarge),
                                                (seen.emptyKeyAnswer, 0x4747, .keyTooLarge)] {
                let answer = try #require(answer, "no answer to request \(requestID)")
                #expect(answer.requestID == requestID)
                #expect(answer.message == .result(status: status, value: nil), "request \(requestID)")
            }
            let afterOversized = try #require(seen.firstAfterOversized, "the node answered nothing after the oversized datagrams")
            #expect(afterOversized.requestID == 0x5555, "a malformed datagram was answered: \(afterOversized)")
            #expect(afterOversized.sender?.id == target.id, "the cookie validates the probe")
            // And none of the refused writes was stored.
            #expect(try await cluster.client(of: target).get("k") == nil)

            // Still serving: reads and writes through the node, and the ring is intact.
            let client = try cluster.client(of: target)
            try await client.put("after-garbage", Array("still here".utf8))
            #expect(try await client.get("after-garbage") == Array("still here".utf8))
            #expect(try await client.get("never-written") == nil)
            try await cluster.waitUntilExact()
        }
    }
}

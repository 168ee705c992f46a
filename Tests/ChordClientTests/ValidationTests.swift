import ChordCore
import Testing
@testable import ChordClient

/// Keys and values are checked before anything is sent.
@Suite struct ValidationTests {
    @Test func badKeysAndValuesAreRefusedWithoutSending() async throws {
        let node = try FakeNode.answering(value: bytes("v"))
        defer { node.stop() }
        let client = try makeClient(of: node)
        defer { client.close() }

        await #expect(throws: ChordClientError.invalidKey("the key is empty")) { try await client.get("") }
        let tooLong = String(repeating: "k", count: 1025)
        await #expect(throws: ChordClientError.invalidKey("the key is 1025 bytes of UTF-8 (at most 1024)")) {
            try await client.put(tooLong, [])
        }
        // 342 characters, but 1026 bytes of UTF-8.
        let wide = String(repeating: "€", count: 342)
        await #expect(throws: ChordClientError.invalidKey("the key is 1026 bytes of UTF-8 (at most 1024)")) {
            _ = try await client.remove(wide)
        }
        await #expect(throws: ChordClientError.invalidKey("the key is empty")) { _ = try await client.lookup(key: "") }
        let tooLarge = [UInt8](repeating: 0xAB, count: StorageLimits.maximumValueBytes + 1)
        await #expect(throws: ChordClientError.valueTooLarge(64_001)) { try await client.put("k", tooLarge) }

        // The largest key and value fit one datagram and arrive intact; nothing came before.
        let longest = String(repeating: "k", count: 1024)
        let largest = (0..<StorageLimits.maximumValueBytes).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try await client.put(longest, largest)
        let received = await node.requests(count: 1)
        #expect(received.count == 1)
        #expect(received.first?.envelope.message == .put(key: bytes(longest), value: largest))
    }

    @Test(arguments: [
        (Status.keyTooLarge, ChordClientError.rejected(.keyTooLarge)),
        (.valueTooLarge, .rejected(.valueTooLarge)),
        (.badRequest, .rejected(.badRequest)),
        (.outOfSpace, .refused(.outOfSpace)),
        (.overloaded, .refused(.overloaded)),
        (.internalFailure, .refused(.internalFailure)),
        (.unavailable, .refused(.unavailable)),
        (.unknownCommand, .refused(.unknownCommand)),
        (.timedOut, .ringTimedOut),
    ])
    func failureStatusesAreThrown(status: Status, expected: ChordClientError) async throws {
        let node = try FakeNode { request, node in
            let message: Message = request.envelope.message == .get(key: bytes("result"))
                ? .result(status: status, value: nil) : .error(status)
            node.answer(request, with: message)
        }
        defer { node.stop() }
        let client = try makeClient(of: node)
        defer { client.close() }
        await #expect(throws: expected) { _ = try await client.get("result") }
        await #expect(throws: expected) { _ = try await client.get("error") }
    }

    @Test func exitStatuses() {
        #expect(ChordClientError.invalidKey("x").exitStatus == 2)
        #expect(ChordClientError.valueTooLarge(1).exitStatus == 2)
        #expect(ChordClientError.rejected(.badRequest).exitStatus == 2)
        #expect(ChordClientError.noAnswer(after: .seconds(5)).exitStatus == 3)
        #expect(ChordClientError.ringTimedOut.exitStatus == 3)
        #expect(ChordClientError.refused(.outOfSpace).exitStatus == 4)
        #expect(ChordClientError.refused(.unavailable).exitStatus == 4)
    }

    @Test func anAnswerOfTheWrongKindIsUnexpected() async throws {
        let node = try FakeNode { request, node in node.answer(request, with: .pong) }
        defer { node.stop() }
        let client = try makeClient(of: node)
        defer { client.close() }
        await #expect(throws: ChordClientError.unexpectedAnswer("pong to a storage request")) {
            _ = try await client.get("k")
        }
    }
}

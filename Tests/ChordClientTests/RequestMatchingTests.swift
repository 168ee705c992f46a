import ChordCore
import Synchronization
import Testing
@testable import ChordClient

/// Answers reach the right request, and nothing else does.
@Suite struct RequestMatchingTests {
    @Test func storageRequestsReturnTheNodesResults() async throws {
        let node = try FakeNode.answering(value: bytes("Ada"))
        defer { node.stop() }
        let client = try makeClient(of: node)
        defer { client.close() }

        #expect(try await client.get("user:42") == bytes("Ada"))
        try await client.put("user:42", bytes("Grace"))
        #expect(try await client.remove("user:42"))

        let received = await node.requests(count: 3)
        #expect(received.map(\.envelope.message) == [.get(key: bytes("user:42")),
                                                     .put(key: bytes("user:42"), value: bytes("Grace")),
                                                     .remove(key: bytes("user:42"))])
        #expect(received.allSatisfy { $0.envelope.sender == nil })
        #expect(Set(received.map(\.envelope.requestID)).count == 3)
        #expect(client.transport.pendingCount == 0)
    }

    @Test func missingKeysAreResultsNotErrors() async throws {
        let node = try FakeNode { request, node in
            node.answer(request, with: .result(status: .notFound, value: nil))
        }
        defer { node.stop() }
        let client = try makeClient(of: node)
        defer { client.close() }
        #expect(try await client.get("nothing") == nil)
        #expect(try await client.remove("nothing") == false)
    }

    @Test func anEmptyValueIsFound() async throws {
        let node = try FakeNode.answering(value: [])
        defer { node.stop() }
        let client = try makeClient(of: node)
        defer { client.close() }
        #expect(try await client.get("empty") == [])
    }

    @Test func answersWithAnotherRequestIDAreIgnored() async throws {
        let node = try FakeNode { request, node in
            let id = request.envelope.requestID
            if request.earlierCopies == 0 {
                node.answer(.result(status: .ok, value: bytes("wrong id")), requestID: id ^ 1, to: request.source)
                node.answer(.result(status: .ok, value: bytes("wrong id")), requestID: id &+ 1, to: request.source)
            } else {
                node.answer(request, with: .result(status: .ok, value: bytes("right")))
            }
        }
        defer { node.stop() }
        let client = try makeClient(of: node)
        defer { client.close() }
        #expect(try await client.get("k") == bytes("right"))
    }

    @Test func answersFromAnotherAddressAreIgnored() async throws {
        let impostor = try FakeNode.silent()
        defer { impostor.stop() }
        let node = try FakeNode { request, node in
            if request.earlierCopies == 0 {
                impostor.answer(.result(status: .ok, value: bytes("forged")), requestID: request.envelope.requestID,
                                to: request.source)
            } else {
                node.answer(request, with: .result(status: .ok, value: bytes("genuine")))
            }
        }
        defer { node.stop() }
        let client = try makeClient(of: node)
        defer { client.close() }
        #expect(try await client.get("k") == bytes("genuine"))
    }

    @Test func requestsWithTheRequestsIDAreNotAnswers() async throws {
        let node = try FakeNode { request, node in
            if request.earlierCopies == 0 {
                node.answer(request, with: .get(key: bytes("k")))  // a request, not a response
            } else {
                node.answer(request, with: .result(status: .ok, value: bytes("answer")))
            }
        }
        defer { node.stop() }
        let client = try makeClient(of: node)
        defer { client.close() }
        #expect(try await client.get("k") == bytes("answer"))
    }

    @Test func anAnswerWithoutSenderNamesTheSourceAddress() async throws {
        let node = try FakeNode { request, node in
            node.answer(.info(nodeInfo()), requestID: request.envelope.requestID, to: request.source, anonymous: true)
        }
        defer { node.stop() }
        let client = try makeClient(of: node)
        defer { client.close() }
        let (peer, _) = try await client.info()
        #expect(peer == Peer(address: node.address))
    }

    @Test func sixtyFourConcurrentRequestsAnsweredInReverseOrder() async throws {
        let count = 64
        let held = Mutex<[ReceivedRequest]>([])
        let node = try FakeNode { request, node in
            guard case .get = request.envelope.message else { return }
            let release: [ReceivedRequest] = held.withLock { held in
                if request.earlierCopies > 0 && held.isEmpty { return [request] }  // already released
                if request.earlierCopies == 0 { held.append(request) }
                guard held.count == count else { return [] }
                defer { held = [] }
                return held.reversed()
            }
            for waiting in release {
                guard case .get(let key) = waiting.envelope.message else { continue }
                node.answer(waiting, with: .result(status: .ok, value: key))
            }
        }
        defer { node.stop() }
        let client = try ChordClient(via: node.address)
        defer { client.close() }
        let results = await withTaskGroup(of: (String, [UInt8]?).self) { group in
            for index in 0..<count {
                group.addTask { ("key-\(index)", try? await client.get("key-\(index)")) }
            }
            var results: [(String, [UInt8]?)] = []
            for await result in group { results.append(result) }
            return results
        }
        #expect(results.count == count)
        for (key, value) in results { #expect(value == bytes(key)) }
        #expect(client.transport.pendingCount == 0)
    }

    @Test func manySequentialBatchesKeepTheTableEmpty() async throws {
        let node = try FakeNode { request, node in
            guard case .get(let key) = request.envelope.message else { return }
            node.answer(request, with: .result(status: .ok, value: key))
        }
        defer { node.stop() }
        let client = try ChordClient(via: node.address)
        defer { client.close() }
        let mismatches = await withTaskGroup(of: Int.self) { group in
            for worker in 0..<16 {
                group.addTask {
                    var wrong = 0
                    for index in 0..<50 {
                        let key = "w\(worker)-\(index)"
                        if (try? await client.get(key)) != bytes(key) { wrong += 1 }
                    }
                    return wrong
                }
            }
            return await group.reduce(0, +)
        }
        #expect(mismatches == 0)
        #expect(client.transport.pendingCount == 0)
    }
}

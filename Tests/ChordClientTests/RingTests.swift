import ChordCore
import Synchronization
import Testing
@testable import ChordClient

/// info, lookup and the ring walk, against fake nodes.
@Suite struct RingTests {
    @Test func infoDescribesTheViaNode() async throws {
        let described = nodeInfo(owned: 3)
        let node = try FakeNode { request, node in node.answer(request, with: .info(described)) }
        defer { node.stop() }
        let client = try makeClient(of: node)
        defer { client.close() }
        let (peer, info) = try await client.info()
        #expect(peer == node.peer)
        #expect(info == described)
        #expect(await node.requests(count: 1).first?.envelope.message == .getInfo)
    }

    @Test func lookupOfAKeyTracesItsIdentifier() async throws {
        let node = try FakeNode { request, node in
            guard case .traceLookup(let target) = request.envelope.message else { return }
            let hops = [LookupHop(address: node.address, id: node.peer.id, roundTrip: 1_500_000),
                        LookupHop(address: node.address, id: node.peer.id, roundTrip: nil, confirmsOwner: true)]
            node.answer(request, with: .trace(LookupTrace(target: target, status: .ok, hops: hops, owner: node.peer,
                                                          successors: [], elapsed: 2_000_000)))
        }
        defer { node.stop() }
        let client = try makeClient(of: node)
        defer { client.close() }
        let trace = try await client.lookup(key: "user:42")
        #expect(trace.target == Identifier.forKey("user:42"))
        #expect(trace.hops.count == 2 && trace.owner == node.peer)
    }

    /// Fake nodes that answer getInfo with the successor lists `successors` gives them.
    private func ringOfFakes(count: Int, successors: @escaping @Sendable ([Peer], Int) -> [Peer]) throws -> [FakeNode] {
        let peers = Mutex<[Peer]>([])
        let nodes = try (0..<count).map { index in
            try FakeNode { request, node in
                let all = peers.withLock { $0 }
                let info = nodeInfo(predecessor: all[(index + count - 1) % count], successors: successors(all, index),
                                    owned: UInt64(index))
                node.answer(request, with: .info(info))
            }
        }
        peers.withLock { $0 = nodes.map(\.peer) }
        return nodes
    }

    @Test func ringWalksSuccessorsBackToTheStart() async throws {
        let nodes = try ringOfFakes(count: 4) { all, index in [all[(index + 1) % 4], all[(index + 2) % 4]] }
        defer { nodes.forEach { $0.stop() } }
        let client = try makeClient(of: nodes[1])
        defer { client.close() }
        let members = try await client.ring()
        #expect(members.map(\.node) == [1, 2, 3, 0].map { nodes[$0].peer })
        #expect(members.map(\.info.ownedKeys) == [1, 2, 3, 0])
    }

    @Test func ringSkipsASilentSuccessor() async throws {
        let silent = try FakeNode.silent()
        defer { silent.stop() }
        // 0 -> (silent, 1) -> 2 -> 0
        let nodes = try ringOfFakes(count: 3) { all, index in
            index == 0 ? [silent.peer, all[1]] : [all[(index + 1) % 3]]
        }
        defer { nodes.forEach { $0.stop() } }
        let client = try makeClient(of: nodes[0], timeout: .milliseconds(200))
        defer { client.close() }
        let members = try await client.ring()
        #expect(members.map(\.node) == nodes.map(\.peer))
        #expect(silent.received.count >= 1)
    }

    @Test func ringOfOneNode() async throws {
        let node = try FakeNode { request, node in node.answer(request, with: .info(nodeInfo(successors: [node.peer]))) }
        defer { node.stop() }
        let client = try makeClient(of: node)
        defer { client.close() }
        #expect(try await client.ring().map(\.node) == [node.peer])
    }

    @Test func ringStopsAtTheLimit() async throws {
        let nodes = try ringOfFakes(count: 3) { all, index in [all[(index + 1) % 3]] }
        defer { nodes.forEach { $0.stop() } }
        let client = try makeClient(of: nodes[0])
        defer { client.close() }
        #expect(try await client.ring(maximumNodes: 2).count == 2)
    }
}

import ChordClient
import ChordCore
import ChordNet
import ClusterSupport
import Testing

/// One copy of each key: the owner's.
let singleReplica = ["--replicas", "1", "--write-quorum", "1", "--read-quorum", "1"]

/// `count` keys and their values.
func sampleEntries(_ prefix: String, count: Int) -> [(key: String, value: [UInt8])] {
    (0..<count).map { index in ("\(prefix)-\(index)", Array("\(prefix) value \(index)".utf8)) }
}

/// Every key reads back through `client` with its value.
func expectAllReadBack(_ entries: [(key: String, value: [UInt8])], through client: ChordClient,
                       sourceLocation: SourceLocation = #_sourceLocation) async throws {
    var wrong: [String] = []
    for (key, value) in entries {
        do {
            let read = try await client.get(key)
            if read != value { wrong.append("\(key): \(read.map { String(decoding: $0, as: UTF8.self) } ?? "not found")") }
        } catch {
            wrong.append("\(key): \(error)")
        }
    }
    #expect(wrong.isEmpty, "\(wrong.count) of \(entries.count) keys did not read back: \(wrong.prefix(10))",
            sourceLocation: sourceLocation)
}

extension Integration {
    /// Keys move to a node that joins into their range, and nowhere else.
    @Suite(.serialized) struct JoinHandoff {
        @Test("a joining node takes exactly the keys of (predecessor, itself] from its successor")
        func joinTakesOverItsRange() async throws {
            let cluster = try await LocalCluster.start(4, seed: 0x1A1D, arguments: singleReplica)
            defer { cluster.killAll() }
            try await cluster.waitUntilExact()

            let entries = sampleEntries("join-handoff", count: 200)
            let writer = cluster.randomNode()
            for (key, value) in entries { try await cluster.client(of: writer).put(key, value) }
            let keyIDs = entries.map { Identifier.forKey($0.key) }

            // Before: each node owns exactly the keys of its range, and nothing else.
            let before = try await cluster.infos()
            for (node, info) in before {
                #expect(info.ownedKeys == UInt64(keyIDs.filter { cluster.owner(of: $0) === node }.count), "\(node.address) before")
                #expect(info.replicaKeys == 0, "\(node.address) before")
            }
            let ownedBefore = Dictionary(uniqueKeysWithValues: before.map { ($0.node.address, $0.info.ownedKeys) })
            #expect(ownedBefore.values.reduce(0, +) == 200)

            // A port whose identifier lands in a range holding some, but not all, of the keys.
            let ring = cluster.ringOrder
            var chosen: (port: UInt16, id: Identifier, moving: Int)?
            for _ in 0..<500 {
                let probe = try UDPSocket(binding: NodeAddress(ipv4: 0x7F00_0001, port: 0))
                let port = probe.localAddress.port
                let id = Identifier.forKey("127.0.0.1:\(port)")
                let predecessor = ring.last { $0.id < id } ?? ring[ring.count - 1]
                let moving = keyIDs.filter { $0.isInHalfOpenInterval(predecessor.id, id) }.count
                if (10...150).contains(moving) {
                    chosen = (port, id, moving)
                    break
                }
            }
            let (port, newID, moving) = try #require(chosen)
            let successor = cluster.owner(of: newID)

            let joiner = try await cluster.addJoined(listen: "127.0.0.1:\(port)")
            #expect(joiner.id == newID)
            try await cluster.waitUntilExact()

            // After: the joiner owns its range; its successor lost exactly those keys (none
            // left as a stray copy, one replica only); nobody else changed.
            func expected(_ node: NodeProcess) -> UInt64 {
                if node === joiner { return UInt64(moving) }
                if node === successor { return ownedBefore[node.address]! - UInt64(moving) }
                return ownedBefore[node.address]!
            }
            var after: [(node: NodeProcess, info: NodeInfo)] = []
            _ = try await poll(timeout: .seconds(15)) { () async throws -> Bool? in
                after = try await cluster.infos()
                return after.allSatisfy { $0.info.ownedKeys == expected($0.node) && $0.info.replicaKeys == 0 } ? true : nil
            }
            for (node, info) in after {
                let role = node === joiner ? "joiner" : node === successor ? "successor" : "other"
                #expect(info.ownedKeys == expected(node), "\(role) \(node.address) owned")
                #expect(info.ownedKeys == UInt64(keyIDs.filter { cluster.owner(of: $0) === node }.count), "\(role) \(node.address)")
                #expect(info.replicaKeys == 0, "\(role) \(node.address) replica keys")
            }
            #expect(after.map(\.info.ownedKeys).reduce(0, +) == 200)
            try await expectAllReadBack(entries, through: cluster.client(of: cluster.randomNode()))
            try await expectAllReadBack(entries, through: cluster.client(of: joiner))
        }
    }

    /// A node that leaves gracefully hands everything over first.
    @Suite(.serialized) struct GracefulLeave {
        @Test("SIGTERM to one of 6 nodes (3 replicas) loses no key")
        func leaveWithReplicas() async throws {
            try await leaveLosesNothing(arguments: [], seed: 0x1EAF3)
        }

        @Test("SIGTERM to one of 6 nodes (1 replica: the hand-off is the only copy) loses no key")
        func leaveWithOneReplica() async throws {
            try await leaveLosesNothing(arguments: singleReplica, seed: 0x1EAF1)
        }

        private func leaveLosesNothing(arguments: [String], seed: UInt64) async throws {
            let cluster = try await LocalCluster.start(6, seed: seed, arguments: arguments)
            defer { cluster.killAll() }
            try await cluster.waitUntilExact()

            let entries = sampleEntries("leave", count: 200)
            let via = cluster.randomNode()
            let client = try cluster.client(of: via)
            for (key, value) in entries { try await client.put(key, value) }
            // The leaver owns some of the keys (every node does, almost surely; prefer one that does).
            let infos = try await cluster.infos()
            let leaver = infos.filter { $0.node !== via }.max { $0.info.ownedKeys < $1.info.ownedKeys }!.node
            #expect(infos.first { $0.node === leaver }!.info.ownedKeys > 0)

            let status = await cluster.leave(leaver)
            #expect(status == 0, "exit status of the leaving node")
            try await expectAllReadBack(entries, through: client)
            try await cluster.waitUntilExact()
            var total: UInt64 = 0
            _ = try await poll(timeout: .seconds(10)) { () async throws -> Bool? in
                total = try await cluster.infos().map(\.info.ownedKeys).reduce(0, +)
                return total == 200 ? true : nil
            }
            #expect(total == 200, "keys owned by the remaining nodes")
            try await expectAllReadBack(entries, through: cluster.client(of: cluster.randomNode(excluding: [via])))
        }
    }
}

import ChordClient
import ChordCore
import ChordNet
import ClusterSupport
import Testing

extension Integration {
    /// A node bound to every address (0.0.0.0) and advertising another: the identity is the
    /// advertised text, and it serves a ring like any node.
    @Suite(.serialized) struct Advertise {
        @Test("a node bound to 0.0.0.0 advertising 127.0.0.1:PORT joins a ring and serves it under its advertised identity")
        func wildcardBindAdvertisesAnother() async throws {
            let port = try #require(LocalCluster.freePort())
            let advertised = "127.0.0.1:\(port)"
            let first = try NodeProcess.start(binary: ChordBinaries.url("chord-node"), listen: "0.0.0.0:\(port)",
                                              arguments: ["--advertise", advertised, "--stabilize", "0.2"])
            defer { first.crash() }
            #expect(first.address.description == advertised)
            #expect(first.id == Identifier.forNode(advertising: advertised))
            let second = try NodeProcess.start(binary: ChordBinaries.url("chord-node"), join: first.address,
                                               arguments: ["--stabilize", "0.2"])
            defer { second.crash() }
            let client = try ChordClient(via: second.address, timeout: .seconds(5))
            defer { client.close() }
            // The second node finds the first as its successor, by its advertised address.
            let joined = await poll(timeout: .seconds(10), interval: .milliseconds(50)) { () async -> Bool? in
                guard let (_, info) = try? await client.info(), info.successors.first == first.peer else { return nil }
                return true
            }
            #expect(joined == true)
            for index in 0..<20 { try await client.put("advertised-\(index)", Array("v\(index)".utf8)) }
            let direct = try ChordClient(via: first.address, timeout: .seconds(5))
            defer { direct.close() }
            for index in 0..<20 { #expect(try await direct.get("advertised-\(index)") == Array("v\(index)".utf8)) }
        }

        @Test("with injected 5 % loss and 20 ms +/- 10 ms delay on every node, a 5-node ring forms exactly and keeps every key")
        func injectedFaults() async throws {
            let cluster = try await LocalCluster.start(5, seed: 0xFA017,
                                                       arguments: ["--fault-loss", "0.05", "--fault-delay", "20:10"])
            defer { cluster.killAll() }
            try await cluster.waitUntilExact(timeout: .seconds(60))
            let entries = sampleEntries("faulty", count: 30)
            let client = try cluster.client(of: cluster.randomNode())
            for (key, value) in entries { try await client.put(key, value) }
            try await expectAllReadBack(entries, through: cluster.client(of: cluster.randomNode()))
        }

        @Test("an IPv6 ring of 6 nodes on [::1] forms exactly and serves reads through every node")
        func ipv6Ring() async throws {
            let cluster = LocalCluster(arguments: ["--stabilize", LocalCluster.testStabilize], seed: 0x1F6, clientTimeout: .seconds(5))
            defer { cluster.killAll() }
            for _ in 0..<6 { try await cluster.addJoined(listen: "[::1]:0") }
            #expect(cluster.members.allSatisfy { $0.address.family == .ipv6 })
            try await cluster.waitUntilExact()
            let entries = sampleEntries("ipv6", count: 40)
            for (key, value) in entries { try await cluster.client(of: cluster.randomNode()).put(key, value) }
            for node in cluster.members { try await expectAllReadBack(entries, through: cluster.client(of: node)) }
        }

        @Test("dual-stack nodes on [::] advertising IPv4 join IPv4-only nodes in one ring, and serve IPv6 clients too")
        func dualStackRing() async throws {
            let cluster = LocalCluster(arguments: ["--stabilize", LocalCluster.testStabilize], seed: 0xD5, clientTimeout: .seconds(5))
            defer { cluster.killAll() }
            var dualPorts: [UInt16] = []
            for index in 0..<6 {
                if index % 2 == 0 {
                    try await cluster.addJoined(listen: "127.0.0.1:0")
                } else {
                    let port = try #require(LocalCluster.freePort())
                    try await cluster.addJoined(listen: "[::]:\(port)", extraArguments: ["--advertise", "127.0.0.1:\(port)"])
                    dualPorts.append(port)
                }
            }
            try await cluster.waitUntilExact()
            let entries = sampleEntries("dual", count: 40)
            for (key, value) in entries { try await cluster.client(of: cluster.randomNode()).put(key, value) }
            for node in cluster.members { try await expectAllReadBack(entries, through: cluster.client(of: node)) }
            // The same dual-stack nodes answer a client that comes over IPv6.
            for port in dualPorts {
                let client = try ChordClient(via: NodeAddress(ipv6High: 0, ipv6Low: 1, port: port), timeout: .seconds(5))
                defer { client.close() }
                try await expectAllReadBack(entries, through: client)
            }
        }
    }
}

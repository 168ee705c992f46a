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
    }
}

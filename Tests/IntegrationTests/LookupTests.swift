import ChordCore
import ClusterSupport
import Foundation
import Testing

/// `dhtlookup --json` output.
struct LookupJSON: Decodable {
    struct Node: Decodable {
        let id: String
        let address: String
    }
    struct Hop: Decodable {
        let id: String?
        let address: String
        let rtt_ms: Double?
    }
    let key: String?
    let id: String
    let hops: [Hop]
    let owner: Node?
    let replicas: [Node]
    let elapsed_ms: Double
}

extension Integration {
    /// Lookups end at the true owner.
    @Suite(.serialized) struct Lookups {
        @Test("dhtlookup --json names the first live node at or after SHA-1(key), and its successors")
        func lookupFindsTheTrueOwner() async throws {
            let cluster = try await LocalCluster.start(8, seed: 0x100C, arguments: [])
            defer { cluster.killAll() }
            try await cluster.waitUntilExact()

            var remoteOwners = 0
            for index in 0..<12 {
                let key = "lookup-key-\(index)"
                let via = cluster.randomNode()
                let result = try await Tools.dhtlookup("--via", via.address.description, "--json", key)
                try #require(result.status == 0, "\(result)")
                let trace = try JSONDecoder().decode(LookupJSON.self, from: Data(result.stdout))
                let id = Identifier.forKey(key)
                let owner = try #require(cluster.owner(of: id))
                #expect(trace.key == key)
                #expect(trace.id == id.hex)
                #expect(trace.owner?.id == owner.id.hex, "\(key) via \(via.address)")
                #expect(trace.owner?.address == owner.address.description)
                if owner !== via {
                    remoteOwners += 1
                    #expect(!trace.hops.isEmpty, "\(key) via \(via.address): a remote owner takes hops")
                }
                let successors = cluster.expectedSuccessors(of: owner)
                #expect(trace.replicas.map(\.id) == successors.map(\.id.hex), "\(key): replicas")
                #expect(trace.replicas.map(\.address) == successors.map(\.address.description))
                #expect(trace.elapsed_ms >= 0)
            }
            #expect(remoteOwners > 0)
        }
    }
}

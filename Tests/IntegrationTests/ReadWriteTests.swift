import ChordClient
import ChordCore
import ClusterSupport
import Testing

extension Integration {
    /// Keys written through one node are read back through every other.
    @Suite(.serialized) struct ReadWrite {
        @Test("50 keys put through one node read back through every node of an 8-node ring")
        func keysReadBackEverywhere() async throws {
            let cluster = try await LocalCluster.start(8, seed: 0xC0FFEE)
            defer { cluster.killAll() }
            try await cluster.waitUntilExact()

            let writer = cluster.randomNode()
            let keys = (0..<50).map { "read-everywhere-\($0)" }
            for key in keys {
                try await cluster.client(of: writer).put(key, Array("value of \(key)".utf8))
            }
            for node in cluster.members where node !== writer {
                let client = try cluster.client(of: node)
                for key in keys {
                    let value = try await client.get(key)
                    #expect(value == Array("value of \(key)".utf8), "\(key) through \(node.address)")
                }
            }
        }
    }
}

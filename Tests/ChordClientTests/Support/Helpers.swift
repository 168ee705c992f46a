import ChordClient
import ChordCore

/// Fast retransmission for tests: 20 ms, 40 ms, 80 ms, then every 80 ms.
let fastRetry = RetryPolicy(initialInterval: .milliseconds(20), maximumInterval: .milliseconds(80))

/// A client of `node` with fast retransmissions.
func makeClient(of node: FakeNode, timeout: Duration = .seconds(5)) throws -> ChordClient {
    try ChordClient(via: node.address, timeout: timeout, retry: fastRetry)
}

/// The UTF-8 bytes of `text`.
func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// A node description for fake `getInfo` answers.
func nodeInfo(predecessor: Peer? = nil, successors: [Peer] = [], owned: UInt64 = 0) -> NodeInfo {
    NodeInfo(predecessor: predecessor, successors: successors, fingers: successors, ownedKeys: owned,
             replicaKeys: 2 * owned, tombstones: 1, storedBytes: 100 * owned)
}

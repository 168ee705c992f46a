import ChordClient
import ChordCore
import ClusterSupport
import Synchronization

/// A running node the workload may send requests through, with the client that talks to it.
final class LiveNode: Sendable {
    /// The process.
    let process: NodeProcess
    /// A client whose via node is this one (reused by every request through it).
    let client: ChordClient
    private let alive = Atomic<Bool>(true)

    init(process: NodeProcess, client: ChordClient) {
        self.process = process
        self.client = client
    }

    /// False once the harness killed it.
    var isAlive: Bool { alive.load(ordering: .acquiring) }

    /// Marks it killed: no new request picks it, and a request through it that failed may
    /// be retried through another node.
    func markDead() { alive.store(false, ordering: .releasing) }
}

/// The nodes the workload may use (the cluster keeps every process started, to stop them
/// all by PID). Thread-safe.
final class Membership: Sendable {
    private struct State {
        var live: [LiveNode] = []
        var random: SeededRandom
    }

    private let state: Mutex<State>

    init(seed: UInt64) {
        state = Mutex(State(random: SeededRandom(seed: seed)))
    }

    /// Makes a started process's client; the workload does not use it before `insert`. On a
    /// test bed the client lives in the node's host, so during a partition it is on the
    /// node's side.
    func prepare(_ process: NodeProcess, in cluster: LocalCluster, timeout: Duration) throws -> LiveNode {
        let make = { () throws(ChordClientError) -> ChordClient in try cluster.makeClient(via: process.address, timeout: timeout) }
        guard let host = process.host, let bed = cluster.bed else { return LiveNode(process: process, client: try make()) }
        return LiveNode(process: process, client: try bed.inHost(host) { try make() })
    }

    /// Offers a prepared node to the workload.
    func insert(_ node: LiveNode) {
        state.withLock { $0.live.append(node) }
    }

    /// Takes `node` out of the rotation and marks it dead (before it is killed).
    func remove(_ node: LiveNode) {
        node.markDead()
        state.withLock { state in state.live.removeAll { $0 === node } }
    }

    /// A random live node.
    func randomNode() -> LiveNode? {
        state.withLock { state in state.live.isEmpty ? nil : state.live[state.random.nextInt(below: state.live.count)] }
    }

    /// The live nodes.
    var live: [LiveNode] { state.withLock { $0.live } }

    /// How many nodes are live.
    var count: Int { state.withLock { $0.live.count } }

    /// Closes every client (at the end).
    func closeClients() {
        for node in live { node.client.close() }
    }
}

import ChordClient
import ChordCore
import ClusterSupport
import Foundation

/// The chord-node processes of one test: started one by one, each joining through a member
/// chosen at random (from a seeded generator) among those already started; every one stopped
/// by its PID in `stopAll()` (call it in a `defer`; `deinit` does it too).
///
/// The expected ring is computed independently of the nodes: identifiers are SHA-1 of the
/// advertised addresses, sorted; each node's successor list is the next
/// `successorListLength` live nodes clockwise (fewer in a small ring), its predecessor the
/// previous one.
final class TestCluster {
    /// Stabilize period given to every node, seconds: fast convergence for tests.
    static let stabilize = "0.2"
    /// The nodes' successor list length (chord-node uses the default configuration).
    static let successorListLength = NodeConfig().successorListLength

    /// Arguments given to every node (after --listen, --join and --stabilize).
    let arguments: [String]
    /// The seed of the generator that picks the member each node joins through.
    let seed: UInt64
    /// Live members, in start order (nodes that left or crashed are removed).
    private(set) var nodes: [NodeProcess] = []
    /// Every node ever started, live or not: `stopAll()` reaps them all.
    private var started: [NodeProcess] = []
    private var random: SeededRandom
    private var clients: [NodeAddress: ChordClient] = [:]

    init(seed: UInt64, arguments: [String] = []) {
        self.seed = seed
        self.arguments = arguments
        self.random = SeededRandom(seed: seed)
    }

    deinit {
        stopAll()
    }

    /// Starts `count` nodes, each joining through a random member already started (and
    /// joined).
    static func start(_ count: Int, seed: UInt64, arguments: [String] = []) async throws -> TestCluster {
        let cluster = TestCluster(seed: seed, arguments: arguments)
        do {
            for _ in 0..<count { try await cluster.addNode() }
        } catch {
            cluster.stopAll()
            throw error
        }
        return cluster
    }

    /// Starts one more node on `listen`, joining through a random live member (none for the
    /// first node), and waits (bounded) until it has joined: its successor list is not empty.
    @discardableResult
    func addNode(listen: String = "127.0.0.1:0", extraArguments: [String] = []) async throws -> NodeProcess {
        let binary = ChordBinaries.url("chord-node")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw IntegrationFailure("\(binary.path) is missing: build the package first (swift build --build-tests)")
        }
        let join = nodes.isEmpty ? nil : nodes[random.nextInt(below: nodes.count)].address
        let arguments = ["--stabilize", Self.stabilize] + self.arguments + extraArguments
        let logFile = ProcessInfo.processInfo.environment["CHORD_TEST_LOGS"].map { directory in
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            return URL(fileURLWithPath: directory).appendingPathComponent("node-\(seed)-\(started.count).log")
        }
        let node = try await offload {
            try NodeProcess.start(binary: binary, listen: listen, join: join, arguments: arguments, logFile: logFile)
        }
        started.append(node)
        nodes.append(node)
        guard node.id == Identifier.forKey(node.address.description) else {
            throw IntegrationFailure("node at \(node.address) reports id \(node.id.hex), not SHA-1 of its address")
        }
        if join != nil {
            let joined = try await poll(timeout: .seconds(10)) { () async throws -> Bool? in
                guard let info = try? await self.client(of: node).info().info else { return nil }
                return info.successors.isEmpty ? nil : true
            }
            guard joined != nil else { throw IntegrationFailure("node \(node.address) did not join through \(join!) within 10 s") }
        }
        return node
    }

    /// SIGTERM to `node` (a graceful leave); waits for its exit and returns its status (nil:
    /// still running after `timeout`, then it is killed). It is no longer a member afterwards.
    func leave(_ node: NodeProcess, timeout: Duration = .seconds(15)) async throws -> Int32? {
        nodes.removeAll { $0 === node }
        forgetClient(of: node)
        let status = try await offload { node.terminate(timeout: timeout) }
        if status == nil { node.crash() }
        return status
    }

    /// SIGKILL to every node started (by PID) and reaps them; closes the clients.
    func stopAll() {
        for client in clients.values { client.close() }
        clients = [:]
        for node in started where node.isRunning { node.crash() }
        nodes = []
    }

    // MARK: Clients

    /// A client whose via node is `node` (one per node, kept until `stopAll`).
    func client(of node: NodeProcess) throws -> ChordClient {
        if let client = clients[node.address] { return client }
        let client = try ChordClient(via: node.address, timeout: .seconds(5))
        clients[node.address] = client
        return client
    }

    private func forgetClient(of node: NodeProcess) {
        clients.removeValue(forKey: node.address)?.close()
    }

    /// A live member chosen by the cluster's generator.
    func randomNode(excluding excluded: [NodeProcess] = []) -> NodeProcess {
        let choices = nodes.filter { node in !excluded.contains { $0 === node } }
        return choices[random.nextInt(below: choices.count)]
    }

    // MARK: The expected ring

    /// Live members in ring order (ascending SHA-1 of their addresses).
    var ringOrder: [NodeProcess] {
        nodes.sorted { Identifier.forKey($0.address.description) < Identifier.forKey($1.address.description) }
    }

    /// The live member that owns `id`: the first at or after it clockwise.
    func owner(of id: Identifier) -> NodeProcess {
        let ring = ringOrder
        return ring.first { $0.id >= id } ?? ring[0]
    }

    /// `node`'s expected successor list: the next live members clockwise, at most
    /// `successorListLength`, never `node` itself.
    func expectedSuccessors(of node: NodeProcess) -> [NodeProcess] {
        let ring = ringOrder
        guard let index = ring.firstIndex(where: { $0 === node }) else { return [] }
        let count = min(Self.successorListLength, ring.count - 1)
        return (0..<count).map { ring[(index + 1 + $0) % ring.count] }
    }

    /// `node`'s expected predecessor (nil in a ring of one).
    func expectedPredecessor(of node: NodeProcess) -> NodeProcess? {
        let ring = ringOrder
        guard ring.count > 1, let index = ring.firstIndex(where: { $0 === node }) else { return nil }
        return ring[(index + ring.count - 1) % ring.count]
    }

    /// Whether `id` lies in the range `node` owns, (predecessor, node], among live members.
    func owns(_ node: NodeProcess, _ id: Identifier) -> Bool { owner(of: id) === node }

    // MARK: Observed state

    /// `info` of every live member, in ring order.
    func infos() async throws -> [(node: NodeProcess, info: NodeInfo)] {
        var result: [(node: NodeProcess, info: NodeInfo)] = []
        for node in ringOrder {
            let (peer, info) = try await client(of: node).info()
            guard peer.id == node.id, peer.address == node.address else {
                throw IntegrationFailure("\(node.address) answered info as \(peer)")
            }
            result.append((node, info))
        }
        return result
    }

    /// How the nodes' views differ from the expected ring (empty: exact).
    func mismatches() async -> [String] {
        let observed: [(node: NodeProcess, info: NodeInfo)]
        do {
            observed = try await infos()
        } catch {
            return ["info failed: \(error)"]
        }
        var problems: [String] = []
        func name(_ peer: Peer?) -> String { peer.map { "\($0.address)" } ?? "nil" }
        for (node, info) in observed {
            let predecessor = expectedPredecessor(of: node)
            if info.predecessor?.id != predecessor?.id || info.predecessor?.address != predecessor?.address {
                problems.append("\(node.address): predecessor \(name(info.predecessor)), expected \(predecessor.map { "\($0.address)" } ?? "nil")")
            }
            let successors = expectedSuccessors(of: node).map { Peer(id: $0.id, address: $0.address) }
            if info.successors != successors {
                problems.append("\(node.address): successors \(info.successors.map { "\($0.address)" }), "
                                + "expected \(successors.map { "\($0.address)" })")
            }
        }
        return problems
    }

    /// Polls every live member's `info` until each one's predecessor and successor list match
    /// the expected ring, at most `timeout`; throws with the last differences otherwise.
    func waitUntilExact(timeout: Duration = .seconds(30)) async throws {
        var last: [String] = []
        let exact = try await poll(timeout: timeout, interval: .milliseconds(100)) { () async -> Bool? in
            last = await mismatches()
            return last.isEmpty ? true : nil
        }
        if exact == nil {
            throw IntegrationFailure("ring of \(nodes.count) not exact after \(timeout) (seed \(seed)):\n"
                                     + last.joined(separator: "\n"))
        }
    }
}

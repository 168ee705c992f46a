import ChordClient
import ChordCore
import ChordNet
import CommandLineSupport
import Foundation
import Synchronization

/// A ring of `chord-node` processes on this machine, for tools and tests: started one by one,
/// each joining through a member chosen by a seeded generator; checked for exactness by asking
/// every member for its view and comparing it with `ExactRing` of the members; stopped by PID.
///
/// The members are the nodes started and not taken out through `leave` or `crash`: a member
/// that dies by itself stays one (and makes the ring not exact). Thread-safe; `deinit` kills
/// every node still running.
public final class LocalCluster: Sendable {
    /// The chord-node binary.
    public let binary: URL
    /// Extra chord-node arguments for every node (e.g. ["--stabilize", "0.5"]), the cluster
    /// key's included.
    public let arguments: [String]
    /// Where node logs go, `node-N.log` (nil: discarded).
    public let logDirectory: URL?
    /// The seed of the generator that picks join contacts and random members.
    public let seed: UInt64
    /// The nodes' successor list length r: chord-node's default (it has no option for it).
    public var successorListLength: Int { NodeConfig().successorListLength }
    /// How long an info request (or any request of `client(of:)`) may wait.
    public let clientTimeout: Duration
    /// The cluster key every node is started with (`--cluster-key-file`) and every client of
    /// `client(of:)` and `makeClient(via:)` uses; nil: none.
    public let clusterKey: ClusterKeyFile?
    /// With a data directory, every node keeps its store on disk in a sub-directory named by
    /// its address (`node-127.0.0.1-4100`), so a node restarted on the same address gets its
    /// data back; nodes then get fixed free ports rather than port 0.
    public let dataDirectory: URL?
    /// The multi-host test bed the nodes run in, if any: then `add` places each node on a
    /// host (`host:`, or the next in turn) and listens on that host's address.
    public let bed: NetworkBed?

    private struct State {
        var started: [NodeProcess] = []
        var members: [NodeProcess] = []
        var random: SeededRandom
        var clients: [NodeAddress: ChordClient] = [:]
    }

    private let state: Mutex<State>

    /// A cluster description; nothing runs until `add` or `start`.
    public init(binary: URL = ChordBinaries.url("chord-node"), arguments: [String] = [], logDirectory: URL? = nil,
                seed: UInt64 = 1, clientTimeout: Duration = .seconds(2), clusterKey: ClusterKeyFile? = nil,
                dataDirectory: URL? = nil, bed: NetworkBed? = nil) {
        self.binary = binary
        self.bed = bed
        self.dataDirectory = dataDirectory
        self.arguments = arguments + (clusterKey.map { ["--cluster-key-file", $0.path] } ?? [])
        self.clusterKey = clusterKey
        self.logDirectory = logDirectory
        self.seed = seed
        self.clientTimeout = clientTimeout
        state = Mutex(State(random: SeededRandom(seed: seed)))
    }

    deinit {
        killAll()
    }

    /// Every node started, in start order.
    public var nodes: [NodeProcess] { state.withLock { $0.started } }

    /// The members, in start order.
    public var members: [NodeProcess] { state.withLock { $0.members } }

    // MARK: Starting

    /// Starts `count` more nodes, each joining through a random member.
    public func start(count: Int) throws(NodeProcess.StartError) {
        for _ in 0..<count { try add() }
    }

    /// Starts one node (joining through a random member, or a new ring if there is none) and
    /// returns it once it serves; blocks meanwhile. `listen` picks the address (default: a
    /// free port on 127.0.0.1). With a test bed, the node runs in `host` (default: host
    /// 1, 2, ... in turn by start order) and `listen` nil means that host's IPv4 address with
    /// port 4000 + the number of nodes started on it before.
    @discardableResult
    public func add(listen: String? = nil, extraArguments: [String] = [], host: NetworkBed.Host? = nil)
        throws(NodeProcess.StartError) -> NodeProcess {
        let (bootstrap, number, placed) = state.withLock { state in
            let number = state.started.count + 1
            let placed = bed.map { bed in host ?? bed.hosts[(number - 1) % bed.hosts.count] }
            return (state.members.isEmpty ? nil : state.members[state.random.nextInt(below: state.members.count)].address,
                    number, placed)
        }
        let log = logDirectory.map { $0.appendingPathComponent("node-\(number).log") }
        var listen = listen ?? "127.0.0.1:0"
        if let placed, listen == "127.0.0.1:0" {
            let before = state.withLock { state in state.started.count(where: { $0.host?.number == placed.number }) }
            listen = placed.address(port: 4000 + before)
        }
        var storage: [String] = []
        if let dataDirectory {
            if listen.hasSuffix(":0") {
                guard let port = Self.freePort() else { throw NodeProcess.StartError(message: "no free UDP port on 127.0.0.1") }
                listen = String(listen.dropLast(2)) + ":\(port)"
            }
            let name = "node-" + listen.replacingOccurrences(of: ":", with: "-").filter { $0 != "[" && $0 != "]" }
            storage = ["--data-dir", dataDirectory.appendingPathComponent(name).path]
        }
        let node = try NodeProcess.start(binary: binary, listen: listen, join: bootstrap,
                                         arguments: arguments + storage + extraArguments, logFile: log,
                                         host: placed.flatMap { host in bed.map { (host, $0) } })
        state.withLock { state in
            state.started.append(node)
            state.members.append(node)
        }
        return node
    }

    /// Starts one node like `add` (without blocking a task's thread) and waits until it has
    /// joined: it has a successor (at most `joinTimeout`; a first node has joined at once).
    @discardableResult
    public func addJoined(listen: String? = nil, extraArguments: [String] = [], host: NetworkBed.Host? = nil,
                          joinTimeout: Duration = .seconds(10)) async throws(ClusterError) -> NodeProcess {
        let alone = members.isEmpty
        let node: NodeProcess
        do {
            node = try await offload { () throws(NodeProcess.StartError) -> NodeProcess in
                try self.add(listen: listen, extraArguments: extraArguments, host: host)
            }
        } catch {
            throw .start(error)
        }
        if !alone, !(await waitUntilJoined(node, timeout: joinTimeout)) {
            throw .notJoined(node.address, via: node.bootstrap ?? node.address, within: joinTimeout)
        }
        return node
    }

    /// Polls `node`'s view until it has a successor other than itself, at most `timeout`;
    /// whether it has.
    public func waitUntilJoined(_ node: NodeProcess, timeout: Duration) async -> Bool {
        await poll(timeout: timeout, interval: .milliseconds(50)) { () async -> Bool? in
            guard let first = try? await self.info(of: node).successors.first, first.id != node.id else { return nil }
            return true
        } ?? false
    }

    // MARK: Choosing

    /// A member chosen by the cluster's generator, other than `excluded`; nil if none.
    public func randomMember(excluding excluded: [NodeProcess] = []) -> NodeProcess? {
        state.withLock { state in
            let choices = state.members.filter { member in !excluded.contains { $0 === member } }
            return choices.isEmpty ? nil : choices[state.random.nextInt(below: choices.count)]
        }
    }

    // MARK: Stopping

    /// SIGTERM to `node` (a graceful leave), without blocking a task's thread; waits for its
    /// exit and returns its status (nil: still running after `timeout`, then it is killed).
    /// It is no longer a member from the start.
    public func leave(_ node: NodeProcess, timeout: Duration = .seconds(15)) async -> Int32? {
        forget([node])
        let status = await offload { node.terminate(timeout: timeout) }
        if status == nil { node.crash() }
        return status
    }

    /// SIGKILL to every node of `nodes` at the same instant, then reaps them: a crash. They
    /// are no longer members. Returns the instant the signals went out.
    @discardableResult
    public func crash(_ nodes: [NodeProcess]) -> ContinuousClock.Instant {
        forget(nodes)
        for node in nodes { node.signalKill() }
        let killed = ContinuousClock.now
        for node in nodes { node.crash() }
        return killed
    }

    /// Stops every node: SIGTERM to all at once (each leaves gracefully), then SIGKILL for
    /// any still running after `timeout`. Closes the clients.
    public func stopAll(timeout: Duration = .seconds(10)) {
        let live = takeEverything().filter(\.isRunning)
        for node in live { node.signalTermination() }
        let deadline = ContinuousClock.now + timeout
        for node in live {
            let left = deadline - ContinuousClock.now
            if node.waitForExit(timeout: left > .zero ? left : .zero) == nil { node.crash() }
        }
    }

    /// SIGKILL to every node started that still runs (by PID), and reaps them; closes the
    /// clients. Quick: for tests and interrupted tools.
    public func killAll() {
        for node in takeEverything() where node.isRunning { node.crash() }
    }

    /// Takes `nodes` out of the members and closes their clients.
    private func forget(_ nodes: [NodeProcess]) {
        let clients = state.withLock { state -> [ChordClient] in
            state.members.removeAll { member in nodes.contains { $0 === member } }
            return nodes.compactMap { state.clients.removeValue(forKey: $0.address) }
        }
        for client in clients { client.close() }
    }

    /// Every node started; no members and no clients are left.
    private func takeEverything() -> [NodeProcess] {
        let (started, clients) = state.withLock { state in
            defer {
                state.members = []
                state.clients = [:]
            }
            return (state.started, Array(state.clients.values))
        }
        for client in clients { client.close() }
        return started
    }

    // MARK: Clients and views

    /// A client whose via node is `node` (one per address, kept until the node leaves or
    /// crashes through the cluster, or every node is stopped).
    public func client(of node: NodeProcess) throws(ChordClientError) -> ChordClient {
        if let client = state.withLock({ $0.clients[node.address] }) { return client }
        let client = try makeClient(via: node.address, timeout: clientTimeout)
        let kept = state.withLock { state -> ChordClient in
            if let earlier = state.clients[node.address] { return earlier }
            state.clients[node.address] = client
            return client
        }
        if kept !== client { client.close() }
        return kept
    }

    /// A new client of the cluster through `via`, with the cluster's key (the caller closes it).
    public func makeClient(via: NodeAddress, timeout: Duration = .seconds(5), retry: RetryPolicy = .standard)
        throws(ChordClientError) -> ChordClient {
        try ChordClient(via: via, timeout: timeout, retry: retry, clusterKey: clusterKey?.key)
    }

    /// `node`'s own view (predecessor, successors, key counts); throws when it does not
    /// answer, or another peer answers for it.
    public func info(of node: NodeProcess) async throws(ClusterError) -> NodeInfo {
        let peer: Peer, info: NodeInfo
        do {
            (peer, info) = try await client(of: node).info()
        } catch {
            throw .noAnswer(node.address, error)
        }
        guard peer == node.peer else { throw .answeredAs(node.address, peer) }
        return info
    }

    /// The members in ring order (ascending identifier).
    public var ringOrder: [NodeProcess] { members.sorted { $0.id < $1.id } }

    /// The member that owns `key`: the first at or after it, clockwise (nil: no members).
    public func owner(of key: Identifier) -> NodeProcess? {
        let ring = ringOrder
        return ExactRing(ring.map(\.peer)).ownerPosition(of: key).map { ring[$0] }
    }

    /// `node`'s successor list in the exact ring: the next min(r, n − 1) members clockwise.
    public func expectedSuccessors(of node: NodeProcess) -> [NodeProcess] {
        let ring = ringOrder
        let exact = ExactRing(ring.map(\.peer))
        guard let position = exact.position(of: node.id) else { return [] }
        return exact.successors(of: position, count: successorListLength).compactMap { peer in ring.first { $0.id == peer.id } }
    }

    /// Every member's view, in ring order; throws for the first that does not answer.
    public func infos() async throws(ClusterError) -> [(node: NodeProcess, info: NodeInfo)] {
        var result: [(node: NodeProcess, info: NodeInfo)] = []
        for node in ringOrder { result.append((node, try await info(of: node))) }
        return result
    }

    /// Asks every member for its view and compares it with the exact ring of the members.
    public func exactness() async -> RingExactness {
        let ring = ringOrder
        let exact = ExactRing(ring.map(\.peer))
        var result = RingExactness(nodes: ring.count)
        for node in ring {
            do {
                let info = try await info(of: node)
                let reported = MemberPointers(member: node.peer, successors: info.successors, predecessor: info.predecessor)
                if let deviation = exact.deviation(of: reported, successorListLength: successorListLength) {
                    result.deviations.append(deviation)
                }
            } catch {
                result.unanswered.append((node.address, "\(error)"))
            }
        }
        return result
    }

    /// Waits until the ring is exact (checking every `interval`) and returns the time it
    /// took; throws with the last check's findings after `timeout`.
    @discardableResult
    public func waitUntilExact(timeout: Duration = .seconds(30), interval: Duration = .milliseconds(200))
        async throws(ClusterError) -> Duration {
        let clock = ContinuousClock()
        let start = clock.now
        var last = RingExactness(nodes: 0)
        let exact = await poll(timeout: timeout, interval: interval) { () async -> Bool? in
            last = await exactness()
            return last.isExact ? true : nil
        }
        guard exact != nil else { throw .notExact(last, within: timeout, seed: seed) }
        return clock.now - start
    }

    /// A UDP port on 127.0.0.1 that was free a moment ago (the kernel's choice for port 0).
    public static func freePort() -> UInt16? {
        guard let socket = try? UDPSocket(binding: NodeAddress(ipv4: 0x7F00_0001, port: 0)) else { return nil }
        return socket.localAddress.port
    }

    /// Resident memory of a running node, in bytes (from /proc/PID/status).
    public static func residentBytes(of node: NodeProcess) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(node.pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let fields = line.split(separator: " ")
            if fields.count >= 2, let kilobytes = Int(fields[1]) { return kilobytes * 1024 }
        }
        return nil
    }
}

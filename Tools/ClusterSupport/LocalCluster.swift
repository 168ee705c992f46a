import ChordClient
import ChordCore
import Foundation

/// A ring of `chord-node` processes on 127.0.0.1, for tools and tests: started one by one,
/// each joining through a random member already running; checked for exactness by asking
/// every node for its view; stopped by PID.
public final class LocalCluster: @unchecked Sendable {
    /// The running nodes, in start order.
    public private(set) var nodes: [NodeProcess] = []
    /// The chord-node binary.
    public let binary: URL
    /// Extra chord-node arguments for every node (e.g. ["--stabilize", "0.5"]).
    public let arguments: [String]
    /// Where node logs go (nil: discarded).
    public let logDirectory: URL?
    private var random: SeededRandom

    /// A cluster description; nothing runs until `start`.
    public init(binary: URL = ChordBinaries.url("chord-node"), arguments: [String] = [], logDirectory: URL? = nil,
                seed: UInt64 = 1) {
        self.binary = binary
        self.arguments = arguments
        self.logDirectory = logDirectory
        self.random = SeededRandom(seed: seed)
    }

    /// Starts `count` more nodes, each joining through a random running member.
    public func start(count: Int) throws(NodeProcess.StartError) {
        for _ in 0..<count { _ = try add() }
    }

    /// Starts one node (joining through a random member, or a new ring if none runs) and
    /// returns it. `listen` picks the address (default: a free port on 127.0.0.1).
    @discardableResult
    public func add(listen: String = "127.0.0.1:0", extraArguments: [String] = []) throws(NodeProcess.StartError) -> NodeProcess {
        let running = nodes.filter(\.isRunning)
        let bootstrap = running.isEmpty ? nil : running[random.nextInt(below: running.count)].address
        let log = logDirectory.map { $0.appendingPathComponent("node-\(nodes.count + 1).log") }
        let node = try NodeProcess.start(binary: binary, listen: listen, join: bootstrap,
                                         arguments: arguments + extraArguments, logFile: log)
        nodes.append(node)
        return node
    }

    /// Nodes still running.
    public var running: [NodeProcess] { nodes.filter(\.isRunning) }

    /// Stops every node: SIGTERM to all at once (each leaves gracefully), then SIGKILL for
    /// any still running after `timeout`.
    public func stopAll(timeout: Duration = .seconds(10)) {
        let live = nodes.filter(\.isRunning)
        for node in live { node.signalTermination() }
        let deadline = ContinuousClock.now + timeout
        for node in live {
            let left = deadline - ContinuousClock.now
            if node.waitForExit(timeout: left > .zero ? left : .zero) == nil { node.crash() }
        }
    }

    /// A random running node.
    public func randomRunning() -> NodeProcess? {
        let live = running
        return live.isEmpty ? nil : live[random.nextInt(below: live.count)]
    }

    /// Asks every running node for its view and compares it with the ring the running nodes
    /// should form (their identifiers in order).
    public func exactness(timeout: Duration = .seconds(2)) async -> RingExactness {
        let live = running.sorted { $0.id < $1.id }
        var result = RingExactness(nodes: live.count)
        for (index, node) in live.enumerated() {
            guard let client = try? ChordClient(via: node.address, timeout: timeout) else {
                result.unreachable += 1
                continue
            }
            defer { client.close() }
            guard let (_, info) = try? await client.info() else {
                result.unreachable += 1
                continue
            }
            let expectedSuccessor = live.count > 1 ? live[(index + 1) % live.count].id : nil
            let expectedPredecessor = live.count > 1 ? live[(index + live.count - 1) % live.count].id : nil
            if info.successors.first?.id != expectedSuccessor { result.wrongSuccessors += 1 }
            if info.predecessor?.id != expectedPredecessor { result.wrongPredecessors += 1 }
            let listLength = min(info.successors.count, live.count - 1)
            for offset in 0..<listLength where info.successors[offset].id != live[(index + 1 + offset) % live.count].id {
                result.inexactLists += 1
                break
            }
        }
        return result
    }

    /// Waits until the ring is exact (checking every `interval`) or `timeout` passes; returns
    /// the time it took, or nil.
    public func waitUntilExact(timeout: Duration, interval: Duration = .milliseconds(200)) async -> Duration? {
        let clock = ContinuousClock()
        let start = clock.now
        while clock.now - start < timeout {
            if await exactness().isExact { return clock.now - start }
            try? await Task.sleep(for: interval)  // re-checking external processes' state, bounded by the timeout
        }
        return nil
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

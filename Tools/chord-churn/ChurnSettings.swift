import CommandLineSupport
import Foundation
import ToolSupport

/// chord-churn's command line.
let usage = Usage(
    synopsis: "chord-churn [--nodes N] [--duration SECONDS] [--kill-every SECONDS | --median-session SECONDS] [options]",
    summary: """
    Starts N chord-node processes on 127.0.0.1, writes every key once, runs a client workload
    (puts, overwrites, gets, removes; one writer per key) through random live nodes for a
    warm-up, then keeps it running while it SIGKILLs a random node and restarts it (same
    port = same identifier with an empty store, or a new port) for --duration seconds. Then it
    measures how long the ring takes to become exact, waits for repair and reads every key
    back: a key whose value is not one its acknowledged history allows is a lost write.
    --scenario kill-two-replicas instead loads the keys, SIGKILLs a key's owner and its first
    successor at once and checks that every key still reads back its latest value.
    With --data-dir every node keeps its store on disk (a sub-directory per node address) and
    killed nodes restart on their own address with their data (--restart same is the default
    then); --scenario full-restart SIGKILLs every node at the same instant while the workload
    writes, restarts them all and reports the time to full service.
    With --hosts K (root, Linux network namespaces) the nodes run on K test bed hosts, each a
    network namespace with its own addresses on one bridge (see README, "Running on several
    machines"), and every client talks to its node from inside that node's host; --scenario
    partition then cuts --partition-hosts of them off (link down) for --partition-for seconds
    under the workload, heals, and reports each side's success rate during the cut.
    Exit status 0 when nothing acknowledged was lost, every key read back and the ring became
    exact; 1 otherwise; 2 for usage errors. Use the release build for measurements.
    """,
    options: [
        .value("nodes", "N", "ring size (default 16)"),
        .value("duration", "SECONDS", "length of the churn phase (default 300)"),
        .value("kill-every", "SECONDS", "kill (and restart) one node every SECONDS (default 3)"),
        .value("median-session", "SECONDS", "instead: each node lives an exponential session of this median"),
        .value("restart", "MODE", "same (same port and identifier, empty store), new (new port) or mixed (default)"),
        .value("replicas", "R", "replication factor passed to every node (default 3)"),
        .value("write-quorum", "W", "write quorum passed to every node (default 2)"),
        .value("read-quorum", "R'", "read quorum passed to every node (default 2)"),
        .value("stabilize", "SECONDS", "stabilize period of the nodes (default 0.5)"),
        .value("keys", "K", "keys of the workload (default 2000)"),
        .value("ops-rate", "PER_S", "operations per second, all clients together (default 200)"),
        .value("clients", "C", "concurrent client tasks (default 8)"),
        .value("warmup", "SECONDS", "workload without churn before it starts (default 5)"),
        .value("seed", "N", "seed of every random choice (default: random, printed)"),
        .value("csv", "FILE", "write per-second figures to FILE"),
        .value("logs", "DIR", "write node logs and the harness's event log into DIR"),
        .value("scenario", "NAME", "kill-two-replicas: kill a key's owner and first successor at once; full-restart (with --data-dir): kill every node at once, restart all; partition (with --hosts): cut hosts off, heal"),
        .value("hosts", "K", "run the nodes on K network-namespace hosts (needs root; default: all on 127.0.0.1)"),
        .value("partition-hosts", "M", "with --scenario partition: hosts cut off (default: the largest minority, (K - 1) / 2)"),
        .value("partition-for", "SECONDS", "with --scenario partition: how long they stay cut off (default 30)"),
        .value("data-dir", "DIR", "nodes keep their stores in DIR (one sub-directory per node address; DIR is created)"),
        .value("fsync", "POLICY", "with --data-dir: the nodes' sync policy, always (default), interval:MS or never"),
        .value("fault-loss", "P", "every node drops each datagram it sends or receives with probability P (chord-node --fault-loss)"),
        .value("fault-delay", "MS[:JITTER]", "every node delays each datagram it sends (chord-node --fault-delay)"),
        .flag("verbose-nodes", "run the nodes with --verbose (debug detail in their logs)"),
        .clusterKeyFile,
        .flag("json", "print one JSON object instead of the table"),
    ])

/// How replacement nodes come back after a kill.
enum RestartMode: String, Sendable {
    /// The same port, hence the same identifier, with an empty store.
    case same
    /// A new free port, hence a new identifier.
    case new
    /// A coin flip between the two for each restart.
    case mixed
}

/// When nodes are killed.
enum ChurnSchedule: Sendable {
    /// One node every so many seconds.
    case periodic(Duration)
    /// Every node lives an exponentially distributed session of this median, then is killed.
    case exponential(median: Duration)
}

/// Which test runs.
enum Scenario: String, Sendable {
    /// Workload under continuous kills and restarts.
    case churn
    /// Kill a key's owner and its first successor at the same instant.
    case killTwoReplicas = "kill-two-replicas"
    /// Kill every node at the same instant during a write workload, restart them all.
    case fullRestart = "full-restart"
    /// Cut a minority of test bed hosts off under the workload, then heal.
    case partition
}

/// Everything the command line asks for.
struct ChurnSettings: Sendable {
    /// Nodes started (and kept running: each killed node is replaced).
    var nodes = 16
    /// Length of the churn phase.
    var duration: Duration = .seconds(300)
    /// When nodes are killed.
    var schedule = ChurnSchedule.periodic(.seconds(3))
    /// How killed nodes come back.
    var restart = RestartMode.mixed
    /// Replication factor, write and read quorums, passed to every node.
    var replicas = 3
    var writeQuorum = 2
    var readQuorum = 2
    /// The nodes' stabilize period, as chord-node's --stabilize text.
    var stabilize = "0.5"
    /// Keys of the workload.
    var keys = 2000
    /// Operations per second, all clients together.
    var opsRate = 200.0
    /// Concurrent client tasks.
    var clients = 8
    /// Workload without churn before churn starts.
    var warmup: Duration = .seconds(5)
    /// Seed of every random choice of the harness.
    var seed: UInt64 = 0
    /// Where per-second figures go, if anywhere.
    var csvPath: String?
    /// Where node logs and the event log go, if anywhere.
    var logDirectory: URL?
    /// Which test runs.
    var scenario = Scenario.churn
    /// Print one JSON object instead of the table.
    var json = false
    /// Run the nodes with --verbose.
    var verboseNodes = false
    /// The cluster key every node and client gets, if any.
    var clusterKey: ClusterKeyFile?
    /// Where the nodes keep their stores, if on disk, and their sync policy.
    var dataDirectory: URL?
    var fsync: String?
    /// Injected faults passed to every node, as chord-node's arguments.
    var faultArguments: [String] = []
    /// Test bed hosts the nodes run on (nil: none, all on 127.0.0.1).
    var hosts: Int?
    /// With the partition scenario: how many hosts are cut off, and for how long.
    var partitionHosts = 0
    var partitionFor: Duration = .seconds(30)
    /// Each operation (its retries through other nodes included) must be answered by then.
    let operationTimeout: Duration = .seconds(5)

    /// The arguments every chord-node gets.
    var nodeArguments: [String] {
        ["--stabilize", stabilize, "--replicas", String(replicas), "--write-quorum", String(writeQuorum),
         "--read-quorum", String(readQuorum)] + (verboseNodes ? ["--verbose"] : []) + (fsync.map { ["--fsync", $0] } ?? []) + faultArguments
    }

    /// The schedule in words, for the report.
    var scheduleText: String {
        switch schedule {
        case .periodic(let every): return "kill every \(secondsText(every)) s"
        case .exponential(let median): return "exponential sessions, median \(secondsText(median)) s"
        }
    }
}

extension ChurnSettings {
    /// Validates a parsed command line.
    init(_ parsed: ParsedArguments) throws(UsageError) {
        try parsed.expectNoPositionals()
        nodes = try parsed.int("nodes", default: nodes, in: 1...256)
        duration = .seconds(try parsed.double("duration", default: 300, in: 0...86_400))
        if parsed.string("kill-every") != nil && parsed.string("median-session") != nil {
            throw UsageError("--kill-every and --median-session exclude each other")
        }
        if parsed.string("median-session") != nil {
            schedule = .exponential(median: .seconds(try parsed.double("median-session", default: 60, in: 0.1...86_400)))
        } else {
            schedule = .periodic(.seconds(try parsed.double("kill-every", default: 3, in: 0.1...86_400)))
        }
        dataDirectory = parsed.string("data-dir").map { URL(fileURLWithPath: $0) }
        if let text = parsed.string("fsync") {
            guard dataDirectory != nil else { throw UsageError("--fsync needs --data-dir") }
            guard text == "always" || text == "never" || text.hasPrefix("interval:") else {
                throw UsageError("--fsync must be always, interval:MS or never, not '\(text)'")
            }
            fsync = text
        }
        if dataDirectory != nil { restart = .same }
        if parsed.string("fault-loss") != nil {
            faultArguments += ["--fault-loss", String(try parsed.double("fault-loss", default: 0, in: 0...0.9))]
        }
        if let text = parsed.string("fault-delay") { faultArguments += ["--fault-delay", text] }
        if let text = parsed.string("restart") {
            guard let mode = RestartMode(rawValue: text) else { throw UsageError("--restart must be same, new or mixed, not '\(text)'") }
            restart = mode
        }
        replicas = try parsed.int("replicas", default: replicas, in: 1...64)
        writeQuorum = try parsed.int("write-quorum", default: min(writeQuorum, replicas), in: 1...replicas)
        readQuorum = try parsed.int("read-quorum", default: min(readQuorum, replicas), in: 1...replicas)
        guard writeQuorum + readQuorum > replicas else {
            throw UsageError("--write-quorum + --read-quorum (\(writeQuorum) + \(readQuorum)) must exceed --replicas (\(replicas))")
        }
        stabilize = secondsText(.seconds(try parsed.double("stabilize", default: 0.5, in: 0.01...3600)))
        keys = try parsed.int("keys", default: keys, in: 1...10_000_000)
        opsRate = try parsed.double("ops-rate", default: opsRate, in: 0.1...1_000_000)
        clients = try parsed.int("clients", default: clients, in: 1...4096)
        warmup = .seconds(try parsed.double("warmup", default: 5, in: 0...3600))
        seed = try parsed.uint64("seed", default: UInt64.random(in: 1...999_999_999))
        csvPath = parsed.string("csv")
        logDirectory = parsed.string("logs").map { URL(fileURLWithPath: $0) }
        if parsed.string("hosts") != nil { hosts = try parsed.int("hosts", default: 1, in: 1...40) }
        if let text = parsed.string("scenario") {
            guard let scenario = Scenario(rawValue: text), scenario != .churn else {
                throw UsageError("--scenario must be kill-two-replicas, full-restart or partition, not '\(text)'")
            }
            if scenario == .partition {
                guard let hosts, hosts >= 2 else { throw UsageError("--scenario partition needs --hosts 2 or more") }
                guard nodes >= hosts else { throw UsageError("--scenario partition needs at least one node per host (--nodes >= --hosts)") }
                partitionHosts = try parsed.int("partition-hosts", default: max(1, (hosts - 1) / 2), in: 1...(hosts - 1))
                partitionFor = .seconds(try parsed.double("partition-for", default: 30, in: 0.1...86_400))
            }
            if scenario == .fullRestart && dataDirectory == nil {
                throw UsageError("--scenario full-restart needs --data-dir: without disks every key is gone")
            }
            self.scenario = scenario
        }
        if scenario == .killTwoReplicas && nodes < 3 { throw UsageError("kill-two-replicas needs --nodes 3 or more") }
        if scenario != .partition && (parsed.string("partition-hosts") != nil || parsed.string("partition-for") != nil) {
            throw UsageError("--partition-hosts and --partition-for belong to --scenario partition")
        }
        json = parsed.flag("json")
        verboseNodes = parsed.flag("verbose-nodes")
        clusterKey = try parsed.clusterKeyFile()
    }
}

/// A duration in seconds, with at most three decimals (e.g. "0.5").
func secondsText(_ duration: Duration) -> String { JSONText.number(seconds(duration)) }

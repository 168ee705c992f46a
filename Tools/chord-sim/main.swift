import ChordCore
import ChordSim
import ChordNet
import CommandLineSupport

/// chord-sim: runs Chord cores on a simulated network from one seed and reports figures.

let usage = Usage(
    synopsis: "chord-sim [options] join|lookups|crash|churn|partition|store|attacks",
    summary: """
    Runs N Chord cores in one process on a simulated network (latency, loss, duplication,
    crashes, partitions), all drawn from one --seed, checking Zave's ring invariants as it
    goes. On a violation it prints the seed and step and exits 1; a missed target exits 1 too.
    The same seed and options replay the same run: compare the printed trace hash.

    scenarios:
      join       N nodes join through random members within --join-window; time to exact ring
      lookups    build and settle a ring, then --lookups random lookups: path length, accuracy
      crash      build a ring, crash --crash-fraction of it at once, look up during repair
      churn      build a ring, then exponential sessions (--median-session) for --duration
      partition  build a ring, split it in two for --duration, heal, time to one exact ring
      store      key-value workload over --keys (puts, overwrites, gets, removes) for --duration,
                 with --churn; then every key is read back and its replicas counted
      attacks    adversary hosts try a forged-identity range takeover, writes from non-members,
                 spoofed member messages, amplification and unverified predecessors on a ring
                 holding acknowledged data; nothing may change hands, be lost or be forged
    """,
    options: [
        .value("seed", "N", "master seed (default: random, printed)"),
        .value("nodes", "N", "number of nodes (default 100)"),
        .value("successors", "R", "successor list length (default 8)"),
        .value("stabilize", "SECONDS", "stabilize / fix-fingers / check-predecessor period (default 1)"),
        .value("latency-min", "MS", "least one-way latency (default 5)"),
        .value("latency-mean", "MS", "mean extra exponential latency (default 20)"),
        .value("loss", "P", "datagram loss probability (default 0)"),
        .value("duplicate", "P", "datagram duplication probability (default 0)"),
        .value("join-window", "SECONDS", "nodes join within this window (default 10)"),
        .value("converge-limit", "SECONDS", "time allowed to become exact (default 60)"),
        .value("lookups", "N", "lookups in the lookups scenario (default 1000)"),
        .value("lookup-rate", "PER_S", "lookups per simulated second in other scenarios (default 50)"),
        .value("crash-fraction", "F", "fraction crashed at once (default 0.25)"),
        .value("median-session", "SECONDS", "median session time under churn (default 600)"),
        .value("duration", "SECONDS", "churn, partition or store duration (default 3600 churn, 60 partition, 300 store)"),
        .value("check-interval", "SECONDS", "global ring check at most this often; 0 = after every change (default 0 up to 2000 nodes, else 1)"),
        .value("appendage-grace", "SECONDS", "how long a joined node may skip a ring member (default 30 stabilize periods)"),
        .value("watch", "HOSTS", "debugging: print every input and effect of these hosts (e.g. 3,17), crashes, wrong answers"),
        .value("keys", "N", "keys in the store workload (default 1000)"),
        .value("ops-rate", "PER_S", "store operations per simulated second (default 100)"),
        .flag("churn", "store scenario: churn with --median-session while the workload runs"),
        .flag("disks", "store scenario: hosts keep their stores on simulated disks; a crashed host restarts with its disk"),
        .value("downtime", "SECONDS", "with --disks: how long a crashed host stays down (default 0)"),
        .value("outage-every", "SECONDS", "with --disks: this often crash a key's whole replica set at once (default never)"),
        .value("outage-downtime", "SECONDS", "how long such a replica set stays down (default 30)"),
        .value("split", "FRACTION", "store: cut this fraction of the hosts off for the middle half of --duration, then heal"),
        .value("sync-ms", "MS", "with --disks: how long one sync of a simulated disk takes (default 2)"),
        .value("replicas", "R", "replication factor (default 3)"),
        .value("write-quorum", "W", "write quorum (default 2)"),
        .value("read-quorum", "R", "read quorum (default 2)"),
        .flag("json", "print one JSON object instead of a table"),
        .flag("verify-replay", "run twice and check both runs have the same trace hash"),
    ])

let (arguments, scenario, settings) = usage.settings(program: "chord-sim") { arguments throws(UsageError) in
    guard arguments.positionals.count == 1 else { throw UsageError("give exactly one scenario") }
    guard let chosen = Scenario(rawValue: arguments.positionals[0]) else {
        throw UsageError("unknown scenario '\(arguments.positionals[0])'")
    }
    let scenario = chosen
    var parsed = ScenarioSettings()
    var system = SystemRandomNumberGenerator()
    parsed.seed = try arguments.uint64("seed", default: system.next() % 1_000_000_000)
    parsed.nodes = try arguments.int("nodes", default: 100, in: 1...1_000_000)
    parsed.successorListLength = try arguments.int("successors", default: 8, in: 1...64)
    parsed.stabilizeInterval = Nanos.fromSeconds(try arguments.double("stabilize", default: 1, in: 0.01...3600))
    parsed.network.minimumLatency = Nanos.fromSeconds(try arguments.double("latency-min", default: 5, in: 0...10_000) / 1000)
    parsed.network.meanExtraLatency = Nanos.fromSeconds(try arguments.double("latency-mean", default: 20, in: 0...10_000) / 1000)
    parsed.network.lossRate = try arguments.double("loss", default: 0, in: 0...0.9)
    parsed.network.duplicateRate = try arguments.double("duplicate", default: 0, in: 0...0.9)
    parsed.joinWindow = Nanos.fromSeconds(try arguments.double("join-window", default: 10, in: 0...1e6))
    parsed.convergenceLimit = Nanos.fromSeconds(try arguments.double("converge-limit", default: 60, in: 0...1e6))
    parsed.lookups = try arguments.int("lookups", default: 1000, in: 0...100_000_000)
    parsed.lookupRate = try arguments.double("lookup-rate", default: 50, in: 0...1e6)
    parsed.crashFraction = try arguments.double("crash-fraction", default: 0.25, in: 0...0.99)
    parsed.medianSession = Nanos.fromSeconds(try arguments.double("median-session", default: 600, in: 0.001...1e9))
    parsed.duration = Nanos.fromSeconds(try arguments.double("duration", default: scenario == .partition ? 60 : (scenario == .store ? 300 : 3600), in: 0...1e9))
    let checkInterval = try arguments.double("check-interval", default: parsed.nodes > 2000 ? 1 : 0, in: 0...1e6)
    parsed.checkPolicy = checkInterval == 0 ? .everyStructuralChange : .periodic(Nanos.fromSeconds(checkInterval))
    if let watch = arguments.string("watch") { parsed.watch = Set(watch.split(separator: ",").compactMap { Int($0) }) }
    if arguments.string("appendage-grace") != nil {
        parsed.appendageGrace = Nanos.fromSeconds(try arguments.double("appendage-grace", default: 5, in: 0...1e9))
    }
    parsed.keys = try arguments.int("keys", default: 1000, in: 1...10_000_000)
    parsed.operationRate = try arguments.double("ops-rate", default: 100, in: 0.001...1e7)
    parsed.churn = arguments.flag("churn")
    parsed.disks = arguments.flag("disks")
    parsed.downtime = Nanos.fromSeconds(try arguments.double("downtime", default: 0, in: 0...1e6))
    if arguments.string("outage-every") != nil {
        guard parsed.disks else { throw UsageError("--outage-every needs --disks: without disks a whole replica set down loses its keys") }
        parsed.outageEvery = Nanos.fromSeconds(try arguments.double("outage-every", default: 600, in: 1...1e9))
    }
    if arguments.string("split") != nil {
        guard scenario == .store else { throw UsageError("--split goes with the store scenario") }
        parsed.split = try arguments.double("split", default: 0.375, in: 0.01...0.5)
    }
    parsed.outageDowntime = Nanos.fromSeconds(try arguments.double("outage-downtime", default: 30, in: 0...1e6))
    parsed.syncLatency = Nanos.fromSeconds(try arguments.double("sync-ms", default: 2, in: 0...10_000) / 1000)
    parsed.replicas = try arguments.int("replicas", default: 3, in: 1...16)
    parsed.writeQuorum = try arguments.int("write-quorum", default: 2, in: 1...16)
    parsed.readQuorum = try arguments.int("read-quorum", default: 2, in: 1...16)
    guard parsed.nodeConfig.quorumsAreValid else {
        throw UsageError("need W <= R, R' <= R and W + R' > R (got R=\(parsed.replicas), W=\(parsed.writeQuorum), R'=\(parsed.readQuorum))")
    }
    return (arguments, scenario, parsed)
}

let clock = ContinuousClock()
let started = clock.now
let report = scenario.run(settings)
let elapsed = clock.now - started
let wallSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
let eventsPerSecond = wallSeconds > 0 ? Double(report.steps) / wallSeconds : 0

var replayMatches: Bool?
if arguments.flag("verify-replay") {
    let again = scenario.run(settings)
    replayMatches = again.traceHash == report.traceHash && again.steps == report.steps
}

if arguments.flag("json") {
    print(ReportPrinter.json(report, wallSeconds: wallSeconds, eventsPerSecond: eventsPerSecond, replayMatches: replayMatches))
} else {
    print(ReportPrinter.table(report, wallSeconds: wallSeconds, eventsPerSecond: eventsPerSecond, replayMatches: replayMatches))
}
let ok = report.passed && replayMatches != false
CurrentProcess.exit(ok ? 0 : 1)

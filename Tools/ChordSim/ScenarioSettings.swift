import ChordCore

/// Everything a scenario run depends on; with the same settings a run replays exactly.
public struct ScenarioSettings: Sendable {
    /// Master seed.
    public var seed: UInt64 = 1
    /// Number of nodes.
    public var nodes = 100
    /// Successor list length r.
    public var successorListLength = 8
    /// Mean stabilize period (fix-fingers and check-predecessor use the same).
    public var stabilizeInterval: Int64 = Nanos.seconds(1)
    /// The simulated network.
    public var network = NetworkModel()
    /// Nodes join at random instants within this window.
    public var joinWindow: Int64 = Nanos.seconds(10)
    /// How long the ring may take to become exact.
    public var convergenceLimit: Int64 = Nanos.seconds(60)
    /// Lookups to run (lookups scenario) or per simulated second (other scenarios).
    public var lookups = 1000
    /// Lookups issued per simulated second during churn, failures and partitions.
    public var lookupRate = 50.0
    /// Fraction of nodes crashed at once (crash scenario).
    public var crashFraction = 0.25
    /// Median session time (churn scenario).
    public var medianSession: Int64 = Nanos.seconds(600)
    /// How long churn or a partition lasts.
    public var duration: Int64 = Nanos.seconds(3600)
    /// Keys in the store workload.
    public var keys = 1000
    /// Store operations issued per simulated second.
    public var operationRate = 100.0
    /// Whether the store scenario churns (with `medianSession`).
    public var churn = false
    /// Whether hosts keep their stores on simulated disks: a crashed host restarts with its
    /// disk (losing only its unsynced tail) after `downtime`, instead of a fresh host.
    public var disks = false
    /// How long a crashed host stays down before it restarts with its disk (store scenario
    /// with `disks`).
    public var downtime: Int64 = 0
    /// Store scenario with `disks`: this often, every replica of one key's range (its owner
    /// and next R − 1 members) crashes at once and stays down for `outageDowntime`. Nil: never.
    public var outageEvery: Int64?
    /// Store scenario: for the middle half of the duration, this fraction of the hosts (drawn
    /// at random) is cut off from the others, then healed. Nil: no partition.
    public var split: Double?
    /// How long a whole replica set stays down.
    public var outageDowntime: Int64 = Nanos.seconds(30)
    /// How long one sync of a simulated disk takes.
    public var syncLatency: Int64 = Nanos.milliseconds(2)
    /// Replication factor, write and read quorums.
    public var replicas = 3
    /// Write quorum W.
    public var writeQuorum = 2
    /// Read quorum R'.
    public var readQuorum = 2
    /// When to check the global ring invariants.
    public var checkPolicy: Simulation.CheckPolicy = .everyStructuralChange
    /// How long an appendage may skip a ring member before the run fails (default: 30
    /// stabilize periods).
    public var appendageGrace: Int64?
    /// Hosts whose every input and effect is printed (debugging).
    public var watch: Set<Int>?

    /// Defaults.
    public init() {}

    /// The node configuration these settings imply.
    public var nodeConfig: NodeConfig {
        var config = NodeConfig()
        config.successorListLength = successorListLength
        config.stabilizeInterval = stabilizeInterval
        config.fixFingersInterval = stabilizeInterval
        config.checkPredecessorInterval = stabilizeInterval
        config.initialRoundTrip = network.minimumLatency * 2 + network.meanExtraLatency * 2
        config.minimumTimeout = network.minimumLatency * 2
        config.replicas = replicas
        config.writeQuorum = writeQuorum
        config.readQuorum = readQuorum
        return config
    }
}

/// What a scenario measured: named figures in order, pass/fail against its targets.
public struct ScenarioReport: Sendable {
    /// Scenario name.
    public let scenario: String
    /// The settings' seed.
    public let seed: UInt64
    /// Figures in print order: (name, value).
    public internal(set) var figures: [(String, Figure)] = []
    /// Targets missed (empty when the run passed).
    public internal(set) var failures: [String] = []
    /// Events processed.
    public internal(set) var steps: UInt64 = 0
    /// Hash of the event trace: equal for equal seeds and settings.
    public internal(set) var traceHash = ""
    /// The invariant violation that stopped the run, if any.
    public internal(set) var violation: InvariantViolation?

    /// Whether every target was met and no invariant broke.
    public var passed: Bool { failures.isEmpty && violation == nil }

    mutating func add(_ name: String, _ value: Figure) { figures.append((name, value)) }

    mutating func require(_ condition: Bool, _ failure: @autoclosure () -> String) {
        if !condition { failures.append(failure()) }
    }

    /// The value of a figure by name.
    public func figure(_ name: String) -> Figure? { figures.first { $0.0 == name }?.1 }
}

/// A figure's value.
public enum Figure: Sendable, Equatable, CustomStringConvertible {
    /// A count.
    case int(Int)
    /// A measurement.
    case number(Double)
    /// Text.
    case text(String)

    /// A readable description.
    public var description: String {
        switch self {
        case .int(let value): return String(value)
        case .number(let value): return formatNumber(value)
        case .text(let value): return value
        }
    }

    /// The numeric value, if any.
    public var doubleValue: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .number(let value): return value
        case .text: return nil
        }
    }
}

/// A number with at most three decimals, no exponent.
func formatNumber(_ value: Double) -> String {
    guard value.isFinite else { return "null" }
    let scaled = (value * 1000).rounded() / 1000
    if scaled == scaled.rounded() && abs(scaled) < 1e15 { return String(Int64(scaled)) }
    var text = String(scaled)
    if text.contains("e") { text = String(Int64(scaled)) }
    return text
}

import ChordCore

/// How a `NodeRunner` runs its node.
public struct RunnerOptions: Sendable {
    /// After a leave request, stop anyway if the core has not finished by then.
    public var leaveTimeout: Int64 = Nanos.seconds(10)
    /// Stop (`StopReason.joinTimedOut`) if the node has not joined by then (nil: keep trying).
    public var joinTimeout: Int64?
    /// At most this many datagrams are read per wake-up before timers get their turn.
    public var receiveBatch = 64
    /// Print `node <id> listening on HOST:PORT` to standard output once started.
    public var announceOnStandardOutput = true
    /// Turn SIGTERM and SIGINT into leave requests while `run()` runs (one runner per process).
    public var handleTerminationSignals = false
    /// Socket buffer sizes.
    public var socket = UDPSocket.Options()
    /// Injected loss and delay (a test facility: `chord-node --fault-loss`, `--fault-delay`).
    public var faults = FaultInjection()

    /// The defaults above.
    public init() {}
}

/// Loss and delay injected by the runner into its own traffic, for testing a ring under a bad
/// network where the kernel cannot (no netem): each datagram sent or received is dropped with
/// probability `lossRate`, and each one sent waits `delay` ± `jitter` first. Drawn from a
/// generator seeded with `seed`.
public struct FaultInjection: Sendable {
    /// Probability of dropping each datagram, sent or received (0 to 0.9).
    public var lossRate = 0.0
    /// Extra one-way delay of each datagram sent, nanoseconds.
    public var delay: Int64 = 0
    /// Each delay is drawn uniformly from `delay` ± `jitter` (never below 0).
    public var jitter: Int64 = 0
    /// Seed of the draws.
    public var seed: UInt64 = 1

    /// None.
    public init() {}

    /// Whether any fault is injected.
    public var isActive: Bool { lossRate > 0 || delay > 0 || jitter > 0 }
}

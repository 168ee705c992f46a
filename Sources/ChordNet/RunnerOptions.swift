import ChordCore

/// How a `NodeRunner` runs its node.
public struct RunnerOptions: Sendable {
    /// After a leave request, stop anyway if the core has not finished by then.
    public var leaveTimeout: Int64 = Nanos.seconds(10)
    /// At most this many datagrams are read per wake-up before timers get their turn.
    public var receiveBatch = 64
    /// Print `node <id> listening on HOST:PORT` to standard output once started.
    public var announceOnStandardOutput = true
    /// Turn SIGTERM and SIGINT into leave requests while `run()` runs (one runner per process).
    public var handleTerminationSignals = false
    /// Socket buffer sizes.
    public var socket = UDPSocket.Options()

    /// The defaults above.
    public init() {}
}

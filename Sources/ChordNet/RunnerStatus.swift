import ChordCore

/// A snapshot of a runner, published after every wake-up for other threads to read.
public struct RunnerStatus: Sendable, Equatable {
    /// Where the runner stands.
    public enum State: Sendable, Equatable {
        /// Created, the node not yet started.
        case created
        /// The node is started and serving.
        case running
        /// A leave was requested; waiting for the core to finish it.
        case leaving
        /// The loop has ended.
        case stopped(StopReason)
    }

    /// Where the runner stands.
    public var state: State
    /// The node's identity (advertised address and identifier).
    public var me: Peer
    /// The node's phase.
    public var phase: ChordNode.Phase
    /// The node's predecessor.
    public var predecessor: Peer?
    /// The node's successor list.
    public var successors: [Peer]
    /// Socket traffic.
    public var traffic: TrafficCounters
    /// The core's own counters.
    public var node: NodeCounters

    /// The first successor.
    public var successor: Peer? { successors.first }
}

/// Why a runner's loop ended.
public enum StopReason: Sendable, Equatable {
    /// The core finished a graceful leave, every key handed over.
    case leaveCompleted
    /// The core finished the leave but could not hand every key over.
    case leaveIncomplete
    /// The core did not finish the leave within the runner's safety timeout.
    case leaveTimedOut
    /// A second stop request came during the leave.
    case forced
    /// Waiting on the socket failed.
    case failed(SystemError)
    /// The node had not joined when `RunnerOptions.joinTimeout` passed.
    case joinTimedOut
}

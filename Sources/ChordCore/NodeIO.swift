/// What can happen to a node: the core's only inputs.
public enum Input: Sendable {
    /// Start serving: create a new ring (`bootstrap` nil) or join through any live member.
    case start(bootstrap: NodeAddress?)
    /// A datagram from `source` was decoded into `envelope`.
    case received(Envelope, from: NodeAddress)
    /// The timer the node last armed has fired.
    case timer
    /// A local caller's client request (`.get`, `.put`, `.remove`, `.traceLookup`,
    /// `.getInfo`), handled as if it came over the network; answered by
    /// `.requestCompleted(token, answer)`.
    case request(Message, token: UInt64)
    /// Leave the ring gracefully: hand the keys to the successor, tell the neighbours, then
    /// report `.leaveCompleted` (after which the runner may stop the node).
    case leave
    /// A local caller wants the owner of `target`; answered by `.lookupCompleted(token, ...)`.
    /// With `confirmOwner`, the named owner is asked too, so that a dead owner is replaced by
    /// its live successor before the answer (one more round trip).
    case lookup(target: Identifier, token: UInt64, confirmOwner: Bool)
}

/// What a node asks its runner to do: the core's only outputs.
public enum Effect: Sendable {
    /// Send `envelope` in one datagram to `address`.
    case send(Envelope, to: NodeAddress)
    /// Arm the node's single timer for this instant, replacing any earlier arming; deliver
    /// `.timer` when it passes.
    case armTimer(at: Instant)
    /// A local `.lookup` request finished.
    case lookupCompleted(token: UInt64, Result<LookupResult, LookupFailure>)
    /// Something worth logging happened.
    case event(NodeEvent)
    /// A local `.request` finished with this answer (`.result`, `.trace`, `.info`, `.error`).
    case requestCompleted(token: UInt64, Message)
    /// A `.leave` has finished: neighbours told, and every key handed to the successor
    /// (`handedOff`), or not (no successor, a page lost, or the leave deadline passed). The
    /// runner may stop the node now.
    case leaveCompleted(handedOff: Bool)
}

/// Notable changes of a node's state, for logs and traces.
public enum NodeEvent: Sendable, Equatable {
    /// The node found its place in the ring.
    case joined(successor: Peer)
    /// A join attempt through the bootstrap failed; the node will retry.
    case joinAttemptFailed(bootstrap: NodeAddress)
    /// The first successor changed (nil: the node is alone).
    case successorChanged(Peer?)
    /// The predecessor changed (nil: unknown).
    case predecessorChanged(Peer?)
    /// A peer stopped answering and was removed from the routing state.
    case peerDeclaredDead(Peer)
    /// A peer once declared dead answered again; the rings may have been merged through it.
    case peerReturned(Peer)
}

/// One node asked during a lookup.
public struct LookupHop: Sendable, Equatable {
    /// Where the request went.
    public let address: NodeAddress
    /// The node's identifier, when known (a bootstrap address has none until it answers).
    public let id: Identifier?
    /// Round-trip time of the answer, or nil when the node did not answer in time.
    public let roundTrip: Int64?
    /// Whether this node was asked to confirm it owns the target (not a routing step).
    public let confirmsOwner: Bool

    /// A hop record.
    public init(address: NodeAddress, id: Identifier?, roundTrip: Int64?, confirmsOwner: Bool = false) {
        self.address = address
        self.id = id
        self.roundTrip = roundTrip
        self.confirmsOwner = confirmsOwner
    }
}

/// The outcome of a successful lookup.
public struct LookupResult: Sendable, Equatable {
    /// The identifier looked up.
    public let target: Identifier
    /// The node responsible for `target`: the first node clockwise from it.
    public let owner: Peer
    /// The owner's successors (replica holders), nearest first.
    public let successors: [Peer]
    /// Every node asked, in order, including ones that did not answer.
    public let hops: [LookupHop]
    /// Nodes that answered a routing step: the Chord path length.
    public var routingHops: Int { hops.filter { $0.roundTrip != nil && !$0.confirmsOwner }.count }
    /// From the request to the result, in nanoseconds.
    public let elapsed: Int64
}

/// Why a lookup failed.
public enum LookupFailure: Error, Sendable, Equatable {
    /// The node has not joined a ring yet.
    case notJoined
    /// No answer within the lookup deadline.
    case timedOut
    /// The hop limit was reached (a routing loop would end here).
    case hopLimit
}

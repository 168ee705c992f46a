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

/// Why a lookup failed.
public enum LookupFailure: Error, Sendable, Equatable {
    /// The node has not joined a ring yet.
    case notJoined
    /// No answer within the lookup deadline.
    case timedOut
    /// The hop limit was reached (a routing loop would end here).
    case hopLimit
}

/// What one node answers to one lookup step.
public enum LookupStep: Sendable, Equatable {
    /// The target's owner is the first peer; the rest are its successors (the key's replicas).
    case owner([Peer])
    /// The responder does not know the owner; these peers lie between the responder and the
    /// target, closest to the target first.
    case closer([Peer])
}

/// The answer to a `.traceLookup`: every hop, the owner and its successors.
public struct LookupTrace: Sendable, Equatable {
    /// The identifier looked up.
    public let target: Identifier
    /// `.ok`, or why the lookup failed (`.timedOut`, `.internalFailure` for a hop limit).
    public let status: Status
    /// Every node asked, in order, with its round-trip time from the tracing node.
    public let hops: [LookupHop]
    /// The owner, when found.
    public let owner: Peer?
    /// The owner's successors (the key's other replicas), nearest first.
    public let successors: [Peer]
    /// From request to answer at the tracing node, nanoseconds.
    public let elapsed: Int64

    /// A trace.
    public init(target: Identifier, status: Status, hops: [LookupHop], owner: Peer?, successors: [Peer], elapsed: Int64) {
        self.target = target
        self.status = status
        self.hops = hops
        self.owner = owner
        self.successors = successors
        self.elapsed = elapsed
    }
}

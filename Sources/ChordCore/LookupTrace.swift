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

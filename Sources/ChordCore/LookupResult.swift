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

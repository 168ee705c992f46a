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

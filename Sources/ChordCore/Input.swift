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

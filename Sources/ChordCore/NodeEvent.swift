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

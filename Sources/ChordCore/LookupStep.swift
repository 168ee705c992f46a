/// What one node answers to one lookup step.
public enum LookupStep: Sendable, Equatable {
    /// The target's owner is the first peer; the rest are its successors (the key's replicas).
    case owner([Peer])
    /// The responder does not know the owner; these peers lie between the responder and the
    /// target, closest to the target first.
    case closer([Peer])
}

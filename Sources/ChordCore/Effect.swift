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

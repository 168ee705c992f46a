import ChordCore

extension NodeEvent {
    /// One concise log line for this event.
    public var logText: String {
        switch self {
        case .joined(let successor): return "joined the ring; successor \(successor)"
        case .joinAttemptFailed(let bootstrap): return "join through \(bootstrap) failed; retrying"
        case .successorChanged(let peer): return "successor \(peer.map(String.init(describing:)) ?? "none (alone)")"
        case .predecessorChanged(let peer): return "predecessor \(peer.map(String.init(describing:)) ?? "unknown")"
        case .peerDeclaredDead(let peer): return "peer declared dead: \(peer)"
        case .peerReturned(let peer): return "peer returned: \(peer)"
        }
    }

    /// The level to log it at: failures are warnings, the rest info.
    public var logLevel: Logger.Level {
        switch self {
        case .joinAttemptFailed, .peerDeclaredDead: return .warning
        default: return .info
        }
    }
}

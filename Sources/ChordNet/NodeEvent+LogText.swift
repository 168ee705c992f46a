import ChordCore

extension NodeEvent {
    /// One concise log line for this event.
    public var logText: String {
        switch self {
        case .joined(let successor): return "joined the ring; successor \(successor)"
        case .joinAttemptFailed(let bootstrap): return "join through \(bootstrap) failed; retrying"
        case .joinStalled(let stall): return stall.logText(targets: nil)
        case .successorChanged(let peer): return "successor \(peer.map(String.init(describing:)) ?? "none (alone)")"
        case .predecessorChanged(let peer): return "predecessor \(peer.map(String.init(describing:)) ?? "unknown")"
        case .peerDeclaredDead(let peer): return "peer declared dead: \(peer)"
        case .peerReturned(let peer): return "peer returned: \(peer)"
        }
    }

    /// The level to log it at: a stalled join and a dead peer are warnings, a single failed
    /// join attempt is debug detail (the stall reports sum them up), the rest info.
    public var logLevel: Logger.Level {
        switch self {
        case .joinStalled, .peerDeclaredDead: return .warning
        case .joinAttemptFailed: return .debug
        default: return .info
        }
    }
}

extension JoinStall {
    /// What a user should check, in one line. `targets`: the join targets as the user gave
    /// them (host names, before resolution), when they say more than the addresses tried.
    public func logText(targets: String?) -> String {
        let seconds = Int((Double(waited) / 1e9).rounded())
        let addresses = tried.map(\.description).joined(separator: ", ")
        let named = addresses + (targets.map { $0 == addresses ? "" : " (--join \($0))" } ?? "")
        let head = "not joined after \(seconds) s: "
        switch reason {
        case .noAnswer:
            return head + "no answer from \(named). Is a chord-node running there, already in a ring? Is the address right? "
                + "A firewall must let UDP through to that port, and back to port \(advertised.port) of this host. Still trying"
        case .advertisedAddressUnseen(let target):
            return head + "the join target \(target) answers, but drops every request that names this node \(advertised), "
                + "because they come from another address (and answers to \(advertised) would not reach this node). "
                + "Is --advertise \(advertised) an address of this host that peers can reach? Still trying"
        case .incomplete:
            return head + "\(named) answered, but the join did not complete (the successor named did not answer). Still trying"
        }
    }
}

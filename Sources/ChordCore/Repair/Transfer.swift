/// Keys on their way to another node in datagram-sized pages, one page in flight at a time:
/// a join's hand-off, a leave's, or an anti-entropy push. Each page is acknowledged before
/// the next goes, and resent when lost; the snapshot is by identifier, so entries written
/// meanwhile travel in their newest version.
final class Transfer {
    /// Why the keys move.
    enum Reason {
        /// To a new predecessor: the keys of the range it took over.
        case handoff
        /// To the successor, because this node is leaving.
        case leave
        /// To a replica (or owner) that lacked or held older versions.
        case repair
        /// To a key's owner, from a node that no longer replicates it (then deleted here).
        case retire
    }

    let target: Peer
    let reason: Reason
    /// Delete each key here once the target acknowledged it (a move, when nothing should stay).
    let deleteAfterwards: Bool
    var identifiers: [Identifier]
    var cursor = 0
    /// Identifiers (and versions) in the page in flight.
    var inFlight: [(Identifier, Version)] = []
    /// A page went unanswered and the transfer gave up.
    var abandoned = false

    init(target: Peer, reason: Reason, identifiers: [Identifier], deleteAfterwards: Bool) {
        self.target = target
        self.reason = reason
        self.identifiers = identifiers
        self.deleteAfterwards = deleteAfterwards
    }

    /// Adds identifiers not already queued (a later anti-entropy round's differences).
    func append(_ more: [Identifier]) {
        let queued = Set(identifiers[cursor...])
        identifiers.append(contentsOf: more.filter { !queued.contains($0) })
    }
}
/// A token bucket over repair traffic: hand-offs, leaves and anti-entropy share
/// `bytesPerSecond`, so a churn storm does not become a packet storm.
struct RepairBudget {
    private var tokens: Double
    private var last: Instant?
    private let rate: Double

    init(bytesPerSecond: Int) {
        rate = Double(max(bytesPerSecond, 1))
        tokens = rate
    }

    /// Spends `bytes` if the bucket holds them; otherwise returns when it will.
    mutating func spend(_ bytes: Int, now: Instant) -> Instant? {
        if let last { tokens = min(rate, tokens + rate * Double(now - last) / Double(Nanos.seconds(1))) }
        last = now
        if tokens >= Double(bytes) || tokens >= rate {
            tokens -= Double(bytes)
            return nil
        }
        return now + Int64((Double(bytes) - tokens) / rate * Double(Nanos.seconds(1))) + 1
    }
}

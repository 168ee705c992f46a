/// Remembers the answers to recent writes, so that a retransmitted request (same source, same
/// request id) gets the same answer and is not applied twice: a re-sent old put must never
/// become a new, newer write.
///
/// A write's answer is just a status (`.result(status:, value: nil)`), so that is all an entry
/// keeps; reads and other idempotent requests are only marked while in progress (so their
/// retransmissions do not start the work twice) and forgotten once answered: a later
/// retransmission simply reads again. Entries live `lifetime` nanoseconds (longer than any
/// client retries) and at most `capacity` are kept, oldest dropped first.
struct ReplyCache {
    struct Key: Hashable {
        let source: NodeAddress
        let requestID: UInt64
    }

    enum State {
        case unseen
        case inProgress
        case answered(Message)
    }

    private var entries: [Key: (status: Status?, at: Instant)] = [:]
    private var order: [Key] = []
    private var head = 0
    private let capacity: Int
    private let lifetime: Int64

    init(capacity: Int = 16_384, lifetime: Int64 = Nanos.seconds(60)) {
        self.capacity = capacity
        self.lifetime = lifetime
    }

    /// What is known about this request.
    func state(of key: Key) -> State {
        guard let entry = entries[key] else { return .unseen }
        return entry.status.map { .answered(.result(status: $0, value: nil)) } ?? .inProgress
    }

    /// Marks a request as being worked on.
    mutating func begin(_ key: Key, now: Instant) {
        expire(now: now)
        entries[key] = (nil, now)
        order.append(key)
    }

    /// Records the answer to a request: a status-only result is kept, anything else (a read's
    /// value, a trace, a redirect) is not, since asking again is harmless.
    mutating func finish(_ key: Key, reply: Message, now: Instant) {
        guard case .result(let status, nil) = reply else {
            entries.removeValue(forKey: key)
            return
        }
        if entries[key] == nil { order.append(key) }
        entries[key] = (status, now)
        expire(now: now)
    }

    private mutating func expire(now: Instant) {
        while head < order.count {
            let key = order[head]
            if let entry = entries[key] {
                if now - entry.at < lifetime && entries.count <= capacity { break }
                entries.removeValue(forKey: key)
            }
            head += 1
        }
        if head > 4096 && head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }
}

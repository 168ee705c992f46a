import ChordCore

/// How often a runner answers datagrams its codec refused (a wrong or missing cluster key):
/// at most once per `interval` to each source, and at most `globalBurst` answers per
/// `interval` in all, so that a flood from many (possibly forged) sources draws little. The
/// sources are remembered in a bounded table (the oldest goes first when it is full).
struct RefusalLimiter {
    /// The least time between two answers to one source.
    static let interval = Nanos.seconds(1)
    /// Most sources remembered.
    static let capacity = 4096
    /// Most answers in all per interval.
    static let globalBurst = 256

    private var lastAnswer = BoundedDictionary<NodeAddress, Instant>(capacity: capacity)
    private var windowStart: Instant?
    private var answersInWindow = 0

    /// Whether `source` may be answered at `now` (and, if so, the answer is counted).
    mutating func admit(_ source: NodeAddress, now: Instant) -> Bool {
        if let last = lastAnswer[source], now - last < Self.interval { return false }
        if let start = windowStart, now - start < Self.interval {
            guard answersInWindow < Self.globalBurst else { return false }
        } else {
            windowStart = now
            answersInWindow = 0
        }
        answersInWindow += 1
        lastAnswer.set(now, for: source)
        return true
    }
}

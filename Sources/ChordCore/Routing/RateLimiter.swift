/// A token bucket per source address, so that one source cannot make a node work for it
/// without bound. A source over its rate is answered `overloaded` at most once per second and
/// otherwise ignored.
///
/// Bounded: at most `capacity` sources are tracked; when full, the source first tracked goes
/// (if it comes back it starts with a full bucket: against a flood from very many addresses
/// the table's bound, not the rate, is what holds).
struct RateLimiter {
    private struct Bucket {
        var tokens: Double
        var last: Instant
        /// When this source was last told `overloaded`.
        var lastRefusal: Instant?
    }

    /// What to do with a request.
    enum Verdict {
        /// Work on it.
        case admit
        /// Answer `overloaded` (the first refusal in a second).
        case refuse
        /// Ignore it.
        case drop
    }

    private var buckets: BoundedDictionary<NodeAddress, Bucket>
    private let rate: Double
    private let burst: Double

    /// A limiter allowing `perSecond` requests per source with bursts of `burst` (a rate of 0
    /// admits everything).
    init(perSecond: Int, burst: Int, capacity: Int = 4096) {
        rate = Double(perSecond)
        self.burst = Double(max(burst, 1))
        buckets = BoundedDictionary(capacity: capacity)
    }

    /// Spends one token of `source`'s bucket.
    mutating func admit(_ source: NodeAddress, now: Instant) -> Verdict {
        guard rate > 0 else { return .admit }
        guard var bucket = buckets[source] else {
            buckets.set(Bucket(tokens: burst - 1, last: now), for: source)
            return .admit
        }
        bucket.tokens = min(burst, bucket.tokens + rate * Double(now - bucket.last) / Double(Nanos.seconds(1)))
        bucket.last = now
        let verdict: Verdict
        if bucket.tokens >= 1 {
            bucket.tokens -= 1
            verdict = .admit
        } else if bucket.lastRefusal.map({ now - $0 >= Nanos.seconds(1) }) ?? true {
            bucket.lastRefusal = now
            verdict = .refuse
        } else {
            verdict = .drop
        }
        buckets.set(bucket, for: source)
        return verdict
    }

    /// Sources tracked.
    var count: Int { buckets.count }
}

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
        if let last { tokens = min(rate, tokens + rate * Double(now - last) / 1e9) }
        last = now
        if tokens >= Double(bytes) || tokens >= rate {
            tokens -= Double(bytes)
            return nil
        }
        return now + Int64((Double(bytes) - tokens) / rate * 1e9) + 1
    }
}

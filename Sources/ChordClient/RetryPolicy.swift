/// When a client retransmits an unanswered request (always with the same request id, so
/// that the node's reply cache applies it once): after `initialInterval`, then after each
/// interval multiplied by `multiplier`, at most `maximumInterval` apart, until the
/// client's timeout.
public struct RetryPolicy: Sendable, Equatable {
    /// Wait before the first retransmission.
    public var initialInterval: Duration
    /// Growth of the wait after each retransmission (at least 1).
    public var multiplier: Int
    /// The longest wait between two transmissions.
    public var maximumInterval: Duration

    /// A schedule.
    public init(initialInterval: Duration, multiplier: Int = 2, maximumInterval: Duration) {
        self.initialInterval = initialInterval
        self.multiplier = max(1, multiplier)
        self.maximumInterval = maximumInterval
    }

    /// 200 ms, 400 ms, 800 ms, then every 1 s.
    public static let standard = RetryPolicy(initialInterval: .milliseconds(200), maximumInterval: .seconds(1))

    /// The wait after one of `interval` nanoseconds, in nanoseconds.
    func nextInterval(after interval: Int64) -> Int64 {
        let maximum = max(1_000_000, maximumInterval.nanosecondsClamped)
        let (grown, overflow) = interval.multipliedReportingOverflow(by: Int64(multiplier))
        return overflow ? maximum : min(grown, maximum)
    }

    /// The first wait, in nanoseconds (at least 1 ms).
    var firstInterval: Int64 {
        max(1_000_000, min(initialInterval.nanosecondsClamped, max(1_000_000, maximumInterval.nanosecondsClamped)))
    }
}

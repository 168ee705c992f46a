/// Conversions between `Duration` and the `Int64` nanoseconds the clocks use.
extension Duration {
    /// The duration in whole nanoseconds, saturating at `Int64.max` (negative: 0).
    var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        if seconds < 0 { return 0 }
        if seconds >= Int64.max / 1_000_000_000 { return .max }
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// Seconds as short text ("5", "0.25").
    var secondsText: String {
        let nanoseconds = nanosecondsClamped
        if nanoseconds % 1_000_000_000 == 0 { return String(nanoseconds / 1_000_000_000) }
        return String(Double(nanoseconds) / 1e9)
    }
}

/// A hybrid logical clock (Kulkarni et al., 2014): never goes backwards, stays close to wall
/// time, and moves past every timestamp it has seen, so a write after a read is newer.
struct HybridClock {
    private(set) var last: UInt64 = 0

    /// How far ahead of local wall time an observed timestamp may be before it is ignored: a
    /// node with a clock far in the future must not drag every clock (and every tombstone's
    /// age) with it.
    static let maximumDriftMilliseconds: Int64 = 60_000

    /// A timestamp newer than every earlier one and than `wallMilliseconds`.
    mutating func next(wallMilliseconds: Int64) -> UInt64 {
        let physical = UInt64(max(wallMilliseconds, 0)) << 16
        last = max(physical, last == .max ? last : last + 1)
        return last
    }

    /// Moves past a timestamp seen from elsewhere, unless it is implausibly far ahead.
    mutating func observe(_ timestamp: UInt64, wallMilliseconds: Int64) {
        let limit = wallMilliseconds.addingReportingOverflow(Self.maximumDriftMilliseconds)
        let horizon: UInt64 = limit.overflow || limit.partialValue >= 1 << 48 ? .max : UInt64(max(limit.partialValue, 0)) << 16
        guard timestamp <= horizon else { return }
        last = max(last, timestamp)
    }
}

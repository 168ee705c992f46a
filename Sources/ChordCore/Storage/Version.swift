/// The version of a stored value: orders writes across nodes.
///
/// `timestamp` is a hybrid logical clock reading (milliseconds of wall-clock time in the high
/// 48 bits, a logical counter in the low 16), taken by the key's owner when it accepts the
/// write; `writer` (the low 64 bits of the owner's identifier) breaks ties. A higher version
/// always wins, so a stale replica, a late retransmission or a node coming back with old data
/// can never overwrite a newer value.
public struct Version: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Hybrid logical clock reading.
    public let timestamp: UInt64
    /// Tie-break: low 64 bits of the writing owner's identifier.
    public let writer: UInt64

    /// A version.
    public init(timestamp: UInt64, writer: UInt64) {
        self.timestamp = timestamp
        self.writer = writer
    }

    /// Older than every real version.
    public static let zero = Version(timestamp: 0, writer: 0)

    /// Orders the values.
    public static func < (lhs: Version, rhs: Version) -> Bool {
        (lhs.timestamp, lhs.writer) < (rhs.timestamp, rhs.writer)
    }

    /// A readable description.
    public var description: String { "\(timestamp >> 16).\(timestamp & 0xFFFF)@\(String(writer, radix: 16))" }
}

/// A hybrid logical clock (Kulkarni et al., 2014): never goes backwards, stays close to wall
/// time, and moves past every timestamp it has seen, so a write after a read is newer.
///
/// A timestamp is wall-clock milliseconds since 1970 in its top 48 bits and a counter in the
/// low 16 (the version format of docs/PROTOCOL.md), so the clock reads wall time in
/// milliseconds; durations, as everywhere in the core, are nanoseconds.
struct HybridClock {
    private(set) var last: UInt64 = 0

    /// How far ahead of local wall time an observed timestamp may be before it is ignored
    /// (and a version with it refused): a node with a clock far in the future must not drag
    /// every clock (and every tombstone's age) with it, nor pin a key.
    let maximumDrift: Int64

    /// A clock at zero that tolerates `maximumDrift` (`NodeConfig.maximumClockDrift`).
    init(maximumDrift: Int64 = Nanos.seconds(60)) {
        self.maximumDrift = maximumDrift
    }

    /// The physical part of a timestamp: the wall time's milliseconds, shifted past the
    /// counter (times before 1970 count as 0).
    static func physical(wallMilliseconds: Int64) -> UInt64 {
        UInt64(max(wallMilliseconds, 0)) << 16
    }

    /// A timestamp newer than every earlier one and than `wallMilliseconds`.
    mutating func next(wallMilliseconds: Int64) -> UInt64 {
        last = max(Self.physical(wallMilliseconds: wallMilliseconds), last == .max ? last : last + 1)
        return last
    }

    /// Never issues a timestamp at or below `highWater` (the last one persisted before a
    /// restart), however far the wall clock has moved back since.
    mutating func restore(highWater: UInt64) {
        last = max(last, highWater)
    }

    /// Moves past a timestamp seen from elsewhere, unless it is implausibly far ahead.
    mutating func observe(_ timestamp: UInt64, wallMilliseconds: Int64) {
        guard isPlausible(timestamp, wallMilliseconds: wallMilliseconds) else { return }
        last = max(last, timestamp)
    }

    /// Whether `timestamp` is at most `maximumDrift` ahead of the wall time (any counter).
    func isPlausible(_ timestamp: UInt64, wallMilliseconds: Int64) -> Bool {
        let limit = wallMilliseconds.addingReportingOverflow(maximumDrift / Nanos.milliseconds(1))
        if limit.overflow || limit.partialValue >= 1 << 48 { return true }
        return timestamp <= Self.physical(wallMilliseconds: limit.partialValue) | 0xFFFF
    }
}

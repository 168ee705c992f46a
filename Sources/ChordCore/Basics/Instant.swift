/// A point on a monotonic clock, in nanoseconds since an arbitrary origin.
///
/// The core never reads a clock: the shell or the simulator passes the current instant with
/// every input. Durations are plain `Int64` nanoseconds, built with the helpers below.
public struct Instant: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Nanoseconds since the clock's origin.
    public var nanoseconds: Int64

    /// An instant at `nanoseconds` after the origin.
    @inlinable
    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    /// The clock's origin.
    public static let zero = Instant(nanoseconds: 0)

    /// Earlier instants order first.
    @inlinable
    public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    /// This instant moved by `nanoseconds`.
    @inlinable
    public static func + (lhs: Instant, nanoseconds: Int64) -> Instant {
        Instant(nanoseconds: lhs.nanoseconds &+ nanoseconds)
    }

    /// Nanoseconds from `rhs` to `lhs`.
    @inlinable
    public static func - (lhs: Instant, rhs: Instant) -> Int64 { lhs.nanoseconds &- rhs.nanoseconds }

    /// Seconds since the origin, for printing.
    public var seconds: Double { Double(nanoseconds) / 1e9 }

    /// A readable description.
    public var description: String { "t=\(seconds)s" }
}

/// Nanosecond durations: `.milliseconds(5)`, `.seconds(2)`.
public enum Nanos {
    /// `count` microseconds in nanoseconds.
    @inlinable public static func microseconds(_ count: Int64) -> Int64 { count * 1_000 }
    /// `count` milliseconds in nanoseconds.
    @inlinable public static func milliseconds(_ count: Int64) -> Int64 { count * 1_000_000 }
    /// `count` seconds in nanoseconds.
    @inlinable public static func seconds(_ count: Int64) -> Int64 { count * 1_000_000_000 }
    /// `seconds` (fractional) in nanoseconds.
    @inlinable public static func fromSeconds(_ seconds: Double) -> Int64 { Int64(seconds * 1e9) }
}

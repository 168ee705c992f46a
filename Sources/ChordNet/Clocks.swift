import ChordCore

/// The monotonic clock the runner feeds the core: never jumps, origin unspecified.
public enum MonotonicClock {
    /// The current instant.
    public static func now() -> Instant {
        Instant(nanoseconds: Syscalls.monotonicNanoseconds())
    }

    /// Blocks the calling thread for `nanoseconds` (a pause after a failure; never a way to
    /// wait for something to happen).
    package static func sleep(nanoseconds: Int64) {
        Syscalls.sleep(nanoseconds: nanoseconds)
    }
}

/// The wall clock: Unix time, which may jump; for timestamps only.
public enum WallClock {
    /// Nanoseconds since 1970-01-01T00:00:00Z.
    public static func unixNanoseconds() -> Int64 {
        Syscalls.realtimeNanoseconds()
    }

    /// Unix time minus monotonic time, in nanoseconds: what `NodeConfig.wallClockOffset`
    /// wants, so that `now + offset` is Unix time.
    public static func offsetFromMonotonic() -> Int64 {
        SystemClock().offsetFromMonotonic()
    }
}

/// The time a `NodeRunner` reads: a monotonic instant for the core, and Unix time for the
/// core's wall-clock offset. `SystemClock` is the real one; tests pass a clock they move by
/// hand, to run the loop in virtual time.
public protocol NodeClock {
    /// The current instant on a clock that never jumps.
    func now() -> Instant
    /// Nanoseconds since 1970-01-01T00:00:00Z (may jump).
    func unixNanoseconds() -> Int64
}

extension NodeClock {
    /// Unix time minus monotonic time, in nanoseconds (the monotonic reading is taken on
    /// both sides of the wall-clock reading, and averaged).
    public func offsetFromMonotonic() -> Int64 {
        let before = now()
        let wall = unixNanoseconds()
        let after = now()
        return wall - (before.nanoseconds + (after - before) / 2)
    }
}

/// The system's clocks: `MonotonicClock` and `WallClock`.
public struct SystemClock: NodeClock, Sendable {
    /// The system's clocks.
    public init() {}

    /// `MonotonicClock.now()`.
    @inlinable public func now() -> Instant { MonotonicClock.now() }
    /// `WallClock.unixNanoseconds()`.
    @inlinable public func unixNanoseconds() -> Int64 { WallClock.unixNanoseconds() }
}

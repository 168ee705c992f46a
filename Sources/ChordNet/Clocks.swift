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
        let before = Syscalls.monotonicNanoseconds()
        let wall = Syscalls.realtimeNanoseconds()
        let after = Syscalls.monotonicNanoseconds()
        return wall - (before + (after - before) / 2)
    }
}

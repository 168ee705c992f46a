import Testing
@testable import ChordCore

@Suite("Version")
struct VersionTests {
    @Test func timestampOrdersFirst() {
        let earlier = Version(timestamp: 5 << 16, writer: .max)
        let later = Version(timestamp: 5 << 16 + 1, writer: 0)
        #expect(earlier < later)
        #expect(!(later < earlier))
        #expect(Version.zero < earlier)
    }

    @Test func writerBreaksTies() {
        let low = Version(timestamp: 7 << 16, writer: 1)
        let high = Version(timestamp: 7 << 16, writer: 2)
        #expect(low < high)
        #expect(!(high < low))
        #expect(low == Version(timestamp: 7 << 16, writer: 1))
        #expect(!(low < low))
    }

    @Test func sortingOrdersByTimestampThenWriter() {
        let versions = [Version(timestamp: 2, writer: 1), Version(timestamp: 1, writer: 9), Version(timestamp: 2, writer: 0),
                        Version(timestamp: 1, writer: 3)]
        #expect(versions.sorted() == [Version(timestamp: 1, writer: 3), Version(timestamp: 1, writer: 9),
                                      Version(timestamp: 2, writer: 0), Version(timestamp: 2, writer: 1)])
    }
}

@Suite("HybridClock")
struct HybridClockTests {
    @Test func neverGoesBackwards() {
        var clock = HybridClock()
        var last: UInt64 = 0
        // Wall time jumps around, stalls and goes back; the clock only moves forward.
        for wall: Int64 in [1_000, 1_000, 999, 1_005, 3, 1_005, 1_006, -5, 0] {
            let reading = clock.next(wallMilliseconds: wall)
            #expect(reading > last)
            last = reading
        }
    }

    @Test func staysAtOrAboveWallTime() {
        var clock = HybridClock()
        for wall: Int64 in [10, 10, 11, 500, 500, 501] {
            #expect(clock.next(wallMilliseconds: wall) >= UInt64(wall) << 16)
        }
        // A wall clock far ahead is followed at once: the logical part restarts at zero.
        #expect(clock.next(wallMilliseconds: 9_000) == 9_000 << 16)
        // Within one millisecond the logical counter counts.
        #expect(clock.next(wallMilliseconds: 9_000) == 9_000 << 16 + 1)
    }

    @Test func movesPastObservedTimestamps() {
        var clock = HybridClock()
        let remote: UInt64 = 50_000 << 16 + 7  // a node whose wall clock runs 49 s ahead
        clock.observe(remote, wallMilliseconds: 1_000)
        let reading = clock.next(wallMilliseconds: 1_000)
        #expect(reading > remote)
        #expect(reading >= 1_000 << 16)
    }

    @Test func observingAnOlderTimestampChangesNothing() {
        var clock = HybridClock()
        let first = clock.next(wallMilliseconds: 2_000)
        clock.observe(5, wallMilliseconds: 2_000)
        clock.observe(first, wallMilliseconds: 2_000)
        #expect(clock.last == first)
        #expect(clock.next(wallMilliseconds: 2_000) == first + 1)
    }

    @Test func ignoresTimestampsImplausiblyFarAhead() {
        var clock = HybridClock()
        let first = clock.next(wallMilliseconds: 1_000)
        // More than the drift bound ahead: a broken or hostile clock.
        clock.observe(UInt64(1_000 + HybridClock().maximumDrift / Nanos.milliseconds(1) + 1) << 16, wallMilliseconds: 1_000)
        #expect(clock.last == first)
    }

    @Test func saturatesInsteadOfWrapping() {
        var clock = HybridClock()
        clock.observe(.max, wallMilliseconds: 1 << 48)  // a horizon beyond every timestamp
        #expect(clock.next(wallMilliseconds: 0) == .max)
        #expect(clock.next(wallMilliseconds: 0) == .max)
    }
}

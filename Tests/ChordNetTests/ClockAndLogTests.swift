import ChordCore
import Testing
@testable import ChordNet

@Suite struct ClockAndLogTests {
    @Test func monotonicClockDoesNotGoBack() {
        let first = MonotonicClock.now()
        let second = MonotonicClock.now()
        #expect(second >= first)
    }

    @Test func wallClockOffsetMapsMonotonicToUnixTime() {
        let unix = MonotonicClock.now().nanoseconds + WallClock.offsetFromMonotonic()
        #expect(abs(unix - WallClock.unixNanoseconds()) < Nanos.seconds(1))
        #expect(unix > Nanos.seconds(1_600_000_000))
    }

    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (Int64(951_782_400_123_456_789), "2000-02-29T00:00:00.123Z"),
        (Int64(1_700_000_000_999_000_000), "2023-11-14T22:13:20.999Z"),
        (Int64(-1_000_000), "1969-12-31T23:59:59.999Z"),
    ])
    func timestamps(unixNanoseconds: Int64, text: String) {
        #expect(Timestamp.iso8601(unixNanoseconds: unixNanoseconds) == text)
    }

    @Test func loggerLevels() {
        #expect(!Logger.silent.isEnabled(.error))
        #expect(Logger(verbose: false).isEnabled(.info) && !Logger(verbose: false).isEnabled(.debug))
        #expect(Logger(verbose: true).isEnabled(.debug))
    }
}

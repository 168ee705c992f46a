import Synchronization

/// Request ids that look random and never repeat within a client: a counter from a random
/// start, scrambled by a bijection (the SplitMix64 finalizer), so 2^64 ids pass before one
/// comes back. Unique ids matter because nodes cache answers by (source, request id).
final class RequestIDs: Sendable {
    private let counter: Atomic<UInt64>

    /// A sequence starting at a random point.
    init() {
        var generator = SystemRandomNumberGenerator()
        counter = Atomic(generator.next())
    }

    /// The next id; safe from any thread.
    func next() -> UInt64 {
        Self.scramble(counter.wrappingAdd(1, ordering: .relaxed).newValue)
    }

    /// The SplitMix64 finalizer: a bijection on 64-bit integers.
    static func scramble(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A running 64-bit hash of everything a simulation did, in order (multiply-xorshift mixing of
/// whole words, for speed; not cryptographic).
///
/// Two runs with the same seed and settings must print the same trace hash; a test checks it.
public struct TraceHash: Sendable, Equatable {
    /// The hash so far.
    public private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325

    /// An empty trace.
    public init() {}

    /// Mixes one 64-bit word into the hash.
    @inline(__always)
    public mutating func mix(_ word: UInt64) {
        value = (value ^ word) &* 0x9E37_79B9_7F4A_7C15
        value ^= value >> 29
    }

    /// The hash as 16 hex digits.
    public var hex: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

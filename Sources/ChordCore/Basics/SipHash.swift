/// SipHash-2-4 (Aumasson and Bernstein, 2012): a fast keyed pseudorandom function of short
/// inputs, 64-bit output. The core uses it for return-routability cookies, as interoperable
/// DNS server cookies do (RFC 9018): cookie = SipHash-2-4(node secret, peer address).
///
/// Checked against the reference implementation's 64 test vectors.
public struct SipHash24: Sendable {
    private let k0: UInt64
    private let k1: UInt64

    /// A function keyed by the 128-bit key `k0 | k1` (k0 holds key bytes 0-7, little-endian,
    /// as in the reference implementation).
    public init(k0: UInt64, k1: UInt64) {
        self.k0 = k0
        self.k1 = k1
    }

    /// A function keyed by 16 key bytes.
    public init(key: [UInt8]) {
        precondition(key.count == 16, "SipHash takes a 16-byte key")
        func word(_ offset: Int) -> UInt64 {
            (0..<8).reduce(0) { $0 | UInt64(key[offset + $1]) << (8 * UInt64($1)) }
        }
        self.init(k0: word(0), k1: word(8))
    }

    /// The 64-bit hash of `bytes`.
    public func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var v0: UInt64 = 0x736f_6d65_7073_6575 ^ k0
        var v1: UInt64 = 0x646f_7261_6e64_6f6d ^ k1
        var v2: UInt64 = 0x6c79_6765_6e65_7261 ^ k0
        var v3: UInt64 = 0x7465_6462_7974_6573 ^ k1

        @inline(__always)
        func round() {
            v0 &+= v1; v1 = v1.rotatedLeft(13); v1 ^= v0; v0 = v0.rotatedLeft(32)
            v2 &+= v3; v3 = v3.rotatedLeft(16); v3 ^= v2
            v0 &+= v3; v3 = v3.rotatedLeft(21); v3 ^= v0
            v2 &+= v1; v1 = v1.rotatedLeft(17); v1 ^= v2; v2 = v2.rotatedLeft(32)
        }

        let count = bytes.count
        let whole = count & ~7
        var offset = 0
        while offset < whole {
            let m = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            v3 ^= m
            round(); round()
            v0 ^= m
            offset += 8
        }
        var last = UInt64(truncatingIfNeeded: count) << 56
        for index in 0..<(count - whole) {
            last |= UInt64(bytes[whole + index]) << (8 * UInt64(index))
        }
        v3 ^= last
        round(); round()
        v0 ^= last
        v2 ^= 0xFF
        round(); round(); round(); round()
        return v0 ^ v1 ^ v2 ^ v3
    }

    /// The 64-bit hash of a byte array.
    public func hash(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBytes { hash($0) }
    }
}

extension UInt64 {
    @inline(__always)
    fileprivate func rotatedLeft(_ count: UInt64) -> UInt64 {
        (self << count) | (self >> (64 - count))
    }
}

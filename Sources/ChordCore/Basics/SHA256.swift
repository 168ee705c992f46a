/// SHA-256 (FIPS 180-4), written here because Foundation on Linux has none and the package takes
/// no dependencies.
///
/// The hash under `HMACSHA256`: the cluster key's datagram tags and the per-peer cookies. Feed
/// bytes with `update(_:)` any number of times, then call `finalize()` once; or use
/// `SHA256.hash(_:)`. With a cluster key every datagram is hashed on send and on receipt, so the
/// value holds no heap storage (the unfinished block sits in a fixed 64-byte buffer), copying it
/// is cheap (`HMACSHA256` starts each message from a copy of a precomputed state), and the
/// compression works on raw buffers.
public struct SHA256: Sendable {
    /// Bytes in one block of the compression function.
    public static let blockBytes = 64
    /// Bytes in a digest.
    public static let digestBytes = 32

    /// The eight chaining words H0...H7.
    struct Words: Sendable, Equatable {
        var h0: UInt32 = 0x6A09_E667
        var h1: UInt32 = 0xBB67_AE85
        var h2: UInt32 = 0x3C6E_F372
        var h3: UInt32 = 0xA54F_F53A
        var h4: UInt32 = 0x510E_527F
        var h5: UInt32 = 0x9B05_688C
        var h6: UInt32 = 0x1F83_D9AB
        var h7: UInt32 = 0x5BE0_CD19
    }

    /// 64 bytes, inline: the unfinished block.
    private typealias Block = (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)

    private var words = Words()
    private var block: Block = (0, 0, 0, 0, 0, 0, 0, 0)
    /// How many bytes of `block` are filled (0..<64).
    private var blockFill = 0
    private var totalBytes: UInt64 = 0

    /// A fresh hash computation.
    public init() {}

    /// The 32-byte digest of `bytes`.
    public static func hash(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        var sha = SHA256()
        sha.update(bytes)
        return sha.finalize()
    }

    /// The 32-byte digest of the bytes of a raw buffer.
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var sha = SHA256()
        sha.update(bytes)
        return sha.finalize()
    }

    /// Adds bytes to the message.
    public mutating func update(_ bytes: some Sequence<UInt8>) {
        let handled: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            update(UnsafeRawBufferPointer(buffer))
        }
        if handled != nil { return }
        // Not contiguous: gather into a block-sized buffer on the stack and feed that.
        var chunk: Block = (0, 0, 0, 0, 0, 0, 0, 0)
        var iterator = bytes.makeIterator()
        var exhausted = false
        while !exhausted {
            let filled = withUnsafeMutableBytes(of: &chunk) { raw -> Int in
                var count = 0
                while count < raw.count, let byte = iterator.next() {
                    raw[count] = byte
                    count += 1
                }
                return count
            }
            exhausted = filled < MemoryLayout<Block>.size
            withUnsafeBytes(of: &chunk) { update(UnsafeRawBufferPointer(rebasing: $0[..<filled])) }
        }
    }

    /// Adds the bytes of a raw buffer to the message.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var source = bytes.baseAddress, bytes.count > 0 else { return }
        var remaining = bytes.count
        totalBytes &+= UInt64(remaining)
        var chaining = words
        if blockFill > 0 {
            let fill = blockFill
            let take = min(Self.blockBytes - fill, remaining)
            withUnsafeMutableBytes(of: &block) { raw in
                (raw.baseAddress! + fill).copyMemory(from: source, byteCount: take)
                if fill + take == Self.blockBytes { Self.compress(&chaining, raw.baseAddress!, blocks: 1) }
            }
            source += take
            remaining -= take
            blockFill = (fill + take) % Self.blockBytes
        }
        let whole = remaining / Self.blockBytes
        if whole > 0 {
            Self.compress(&chaining, source, blocks: whole)
            source += whole * Self.blockBytes
            remaining -= whole * Self.blockBytes
        }
        if remaining > 0 {
            withUnsafeMutableBytes(of: &block) { raw in
                raw.baseAddress!.copyMemory(from: source, byteCount: remaining)
            }
            blockFill = remaining
        }
        words = chaining
    }

    /// Pads the message and returns the 32-byte digest. Call it once; the value is spent.
    public mutating func finalize() -> [UInt8] {
        let digest = finalizeWords()
        return [UInt8](unsafeUninitializedCapacity: Self.digestBytes) { buffer, count in
            Self.store(digest, into: UnsafeMutableRawBufferPointer(buffer))
            count = Self.digestBytes
        }
    }

    /// Pads the message and returns the digest as eight words (big-endian order of the bytes).
    mutating func finalizeWords() -> Words {
        let bitLength = totalBytes &* 8
        var chaining = words
        let fill = blockFill
        withUnsafeMutableBytes(of: &block) { raw in
            let base = raw.baseAddress!
            raw[fill] = 0x80
            var next = fill + 1
            if next > Self.blockBytes - 8 {
                (base + next).initializeMemory(as: UInt8.self, repeating: 0, count: Self.blockBytes - next)
                Self.compress(&chaining, base, blocks: 1)
                next = 0
            }
            (base + next).initializeMemory(as: UInt8.self, repeating: 0, count: Self.blockBytes - 8 - next)
            raw.storeBytes(of: bitLength.bigEndian, toByteOffset: Self.blockBytes - 8, as: UInt64.self)
            Self.compress(&chaining, base, blocks: 1)
        }
        words = chaining
        blockFill = 0
        return chaining
    }

    /// Writes the 32 digest bytes of `digest` at the start of `buffer` (at least 32 bytes).
    static func store(_ digest: Words, into buffer: UnsafeMutableRawBufferPointer) {
        buffer.storeBytes(of: digest.h0.bigEndian, toByteOffset: 0, as: UInt32.self)
        buffer.storeBytes(of: digest.h1.bigEndian, toByteOffset: 4, as: UInt32.self)
        buffer.storeBytes(of: digest.h2.bigEndian, toByteOffset: 8, as: UInt32.self)
        buffer.storeBytes(of: digest.h3.bigEndian, toByteOffset: 12, as: UInt32.self)
        buffer.storeBytes(of: digest.h4.bigEndian, toByteOffset: 16, as: UInt32.self)
        buffer.storeBytes(of: digest.h5.bigEndian, toByteOffset: 20, as: UInt32.self)
        buffer.storeBytes(of: digest.h6.bigEndian, toByteOffset: 24, as: UInt32.self)
        buffer.storeBytes(of: digest.h7.bigEndian, toByteOffset: 28, as: UInt32.self)
    }

    /// The round constants K0...K63: the first 32 bits of the fractional parts of the cube roots
    /// of the first 64 primes.
    private static let roundConstants: [UInt32] = [
        0x428A_2F98, 0x7137_4491, 0xB5C0_FBCF, 0xE9B5_DBA5, 0x3956_C25B, 0x59F1_11F1, 0x923F_82A4, 0xAB1C_5ED5,
        0xD807_AA98, 0x1283_5B01, 0x2431_85BE, 0x550C_7DC3, 0x72BE_5D74, 0x80DE_B1FE, 0x9BDC_06A7, 0xC19B_F174,
        0xE49B_69C1, 0xEFBE_4786, 0x0FC1_9DC6, 0x240C_A1CC, 0x2DE9_2C6F, 0x4A74_84AA, 0x5CB0_A9DC, 0x76F9_88DA,
        0x983E_5152, 0xA831_C66D, 0xB003_27C8, 0xBF59_7FC7, 0xC6E0_0BF3, 0xD5A7_9147, 0x06CA_6351, 0x1429_2967,
        0x27B7_0A85, 0x2E1B_2138, 0x4D2C_6DFC, 0x5338_0D13, 0x650A_7354, 0x766A_0ABB, 0x81C2_C92E, 0x9272_2C85,
        0xA2BF_E8A1, 0xA81A_664B, 0xC24B_8B70, 0xC76C_51A3, 0xD192_E819, 0xD699_0624, 0xF40E_3585, 0x106A_A070,
        0x19A4_C116, 0x1E37_6C08, 0x2748_774C, 0x34B0_BCB5, 0x391C_0CB3, 0x4ED8_AA4A, 0x5B9C_CA4F, 0x682E_6FF3,
        0x748F_82EE, 0x78A5_636F, 0x84C8_7814, 0x8CC7_0208, 0x90BE_FFFA, 0xA450_6CEB, 0xBEF9_A3F7, 0xC671_78F2,
    ]

    @inline(__always)
    private static func rotateRight(_ x: UInt32, _ n: UInt32) -> UInt32 {
        (x &>> n) | (x &<< (32 &- n))
    }

    /// One round, written so that eight of them in a row rotate the roles of the eight working
    /// variables instead of moving their values: it adds T1 into `d` (the new e) and writes
    /// T1 + T2 into `h` (the new a). Ch(e, f, g) and Maj(a, b, c) take their cheaper equivalent
    /// forms g ^ (e & (f ^ g)) and (a & b) | (c & (a | b)).
    @inline(__always)
    private static func round(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32,
                              _ e: UInt32, _ f: UInt32, _ g: UInt32, _ h: inout UInt32, _ kw: UInt32) {
        let t1 = h &+ (rotateRight(e, 6) ^ rotateRight(e, 11) ^ rotateRight(e, 25)) &+ (g ^ (e & (f ^ g))) &+ kw
        d &+= t1
        h = t1 &+ (rotateRight(a, 2) ^ rotateRight(a, 13) ^ rotateRight(a, 22)) &+ ((a & b) | (c & (a | b)))
    }

    /// Runs the compression function over `blocks` consecutive 64-byte blocks at `data`.
    private static func compress(_ chaining: inout Words, _ data: UnsafeRawPointer, blocks: Int) {
        var h0 = chaining.h0, h1 = chaining.h1, h2 = chaining.h2, h3 = chaining.h3
        var h4 = chaining.h4, h5 = chaining.h5, h6 = chaining.h6, h7 = chaining.h7
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
            roundConstants.withUnsafeBufferPointer { k in
                for index in 0..<blocks {
                    let block = data + index * blockBytes
                    for t in 0..<16 {
                        w[t] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: 4 * t, as: UInt32.self))
                    }
                    for t in 16..<64 {
                        let x = w[t - 15], y = w[t - 2]
                        let s0 = rotateRight(x, 7) ^ rotateRight(x, 18) ^ (x &>> 3)
                        let s1 = rotateRight(y, 17) ^ rotateRight(y, 19) ^ (y &>> 10)
                        w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
                    }
                    var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7
                    for t in stride(from: 0, to: 64, by: 8) {
                        round(a, b, c, &d, e, f, g, &h, k[t] &+ w[t])
                        round(h, a, b, &c, d, e, f, &g, k[t + 1] &+ w[t + 1])
                        round(g, h, a, &b, c, d, e, &f, k[t + 2] &+ w[t + 2])
                        round(f, g, h, &a, b, c, d, &e, k[t + 3] &+ w[t + 3])
                        round(e, f, g, &h, a, b, c, &d, k[t + 4] &+ w[t + 4])
                        round(d, e, f, &g, h, a, b, &c, k[t + 5] &+ w[t + 5])
                        round(c, d, e, &f, g, h, a, &b, k[t + 6] &+ w[t + 6])
                        round(b, c, d, &e, f, g, h, &a, k[t + 7] &+ w[t + 7])
                    }
                    h0 &+= a; h1 &+= b; h2 &+= c; h3 &+= d
                    h4 &+= e; h5 &+= f; h6 &+= g; h7 &+= h
                }
            }
        }
        chaining = Words(h0: h0, h1: h1, h2: h2, h3: h3, h4: h4, h5: h5, h6: h6, h7: h7)
    }
}

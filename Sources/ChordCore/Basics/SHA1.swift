/// SHA-1 (FIPS 180-4), written here because Foundation on Linux has none.
///
/// Used only to place nodes and keys on the ring, never for security. Feed bytes with
/// `update(_:)` any number of times, then call `finalize()` once; or use `SHA1.hash(_:)`.
/// Every storage request hashes its key, so the compression works on raw buffers.
public struct SHA1: Sendable {
    private var h0: UInt32 = 0x6745_2301
    private var h1: UInt32 = 0xEFCD_AB89
    private var h2: UInt32 = 0x98BA_DCFE
    private var h3: UInt32 = 0x1032_5476
    private var h4: UInt32 = 0xC3D2_E1F0
    private var pending: [UInt8] = []
    private var totalBytes: UInt64 = 0

    /// A fresh hash computation.
    public init() {}

    /// The 20-byte digest of `bytes`.
    public static func hash<Bytes: Sequence>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        var sha = SHA1()
        sha.update(bytes)
        return sha.finalize()
    }

    /// Adds bytes to the message.
    public mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let handled: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            update(UnsafeRawBufferPointer(buffer))
        }
        if handled == nil {
            let copy = Array(bytes)
            copy.withUnsafeBytes { update($0) }
        }
    }

    /// Adds the bytes of a raw buffer to the message.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        totalBytes &+= UInt64(bytes.count)
        var offset = 0
        if !pending.isEmpty {
            let take = min(64 - pending.count, bytes.count)
            pending.append(contentsOf: bytes[0..<take])
            offset = take
            if pending.count == 64 {
                pending.withUnsafeBytes { compress($0.baseAddress!) }
                pending.removeAll(keepingCapacity: true)
            }
        }
        while bytes.count - offset >= 64 {
            compress(bytes.baseAddress! + offset)
            offset += 64
        }
        if offset < bytes.count {
            pending.append(contentsOf: bytes[offset...])
        }
    }

    /// Pads the message and returns the 20-byte digest.
    public mutating func finalize() -> [UInt8] {
        let words = finalizeWords()
        var digest = [UInt8]()
        digest.reserveCapacity(20)
        for word in [words.0, words.1, words.2, words.3, words.4] {
            digest.append(UInt8(truncatingIfNeeded: word >> 24))
            digest.append(UInt8(truncatingIfNeeded: word >> 16))
            digest.append(UInt8(truncatingIfNeeded: word >> 8))
            digest.append(UInt8(truncatingIfNeeded: word))
        }
        return digest
    }

    /// Pads the message and returns the digest as five big-endian words.
    mutating func finalizeWords() -> (UInt32, UInt32, UInt32, UInt32, UInt32) {
        let bitLength = totalBytes &* 8
        var tail = pending
        tail.append(0x80)
        while tail.count % 64 != 56 { tail.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) {
            tail.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift)))
        }
        tail.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                compress(buffer.baseAddress! + offset)
                offset += 64
            }
        }
        pending.removeAll()
        return (h0, h1, h2, h3, h4)
    }

    /// Processes one 64-byte block.
    private mutating func compress(_ block: UnsafeRawPointer) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 80) { w in
            for t in 0..<16 {
                w[t] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: 4 * t, as: UInt32.self))
            }
            for t in 16..<80 {
                let x = w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16]
                w[t] = (x << 1) | (x >> 31)
            }
            var a = h0, b = h1, c = h2, d = h3, e = h4
            for t in 0..<80 {
                let f: UInt32
                let k: UInt32
                if t < 20 {
                    f = (b & c) | (~b & d); k = 0x5A82_7999
                } else if t < 40 {
                    f = b ^ c ^ d; k = 0x6ED9_EBA1
                } else if t < 60 {
                    f = (b & c) | (b & d) | (c & d); k = 0x8F1B_BCDC
                } else {
                    f = b ^ c ^ d; k = 0xCA62_C1D6
                }
                let temp = ((a << 5) | (a >> 27)) &+ f &+ e &+ k &+ w[t]
                e = d
                d = c
                c = (b << 30) | (b >> 2)
                b = a
                a = temp
            }
            h0 = h0 &+ a; h1 = h1 &+ b; h2 = h2 &+ c; h3 = h3 &+ d; h4 = h4 &+ e
        }
    }
}

extension Identifier {
    /// The SHA-1 of `bytes`, read as a 160-bit big-endian integer.
    public static func sha1<Bytes: Sequence>(of bytes: Bytes) -> Identifier where Bytes.Element == UInt8 {
        var sha = SHA1()
        sha.update(bytes)
        let words = sha.finalizeWords()
        return Identifier(high: UInt64(words.0), middle: UInt64(words.1) << 32 | UInt64(words.2),
                          low: UInt64(words.3) << 32 | UInt64(words.4))
    }

    /// A node's identifier: SHA-1 of the UTF-8 text "HOST:PORT" it advertises.
    public static func forNode(advertising address: String) -> Identifier {
        var text = address
        return text.withUTF8 { sha1(of: $0) }
    }

    /// A key's identifier: SHA-1 of the key's UTF-8 bytes.
    public static func forKey(_ key: String) -> Identifier {
        var text = key
        return text.withUTF8 { sha1(of: $0) }
    }

    /// A key's identifier from its UTF-8 bytes.
    public static func forKey(bytes: [UInt8]) -> Identifier {
        sha1(of: bytes)
    }
}

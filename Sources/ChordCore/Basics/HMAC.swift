/// HMAC (RFC 2104) over SHA-256, as RFC 4231 specifies it: the tags of a cluster key and the
/// keyed function behind per-peer cookies.
///
/// The key is absorbed once: `init(key:)` hashes the two key pads (key XOR 0x36..., key XOR
/// 0x5c...) into two SHA-256 states, and every message starts from copies of them. A tag over an
/// n-byte message then costs ceil((n + 9) / 64) + 1 compressions, and nothing on the heap when
/// it is written with `Computation.finalize(into:)` or read with `prf64(_:)`. The value is
/// immutable and `Sendable`: one per key, shared by every thread that signs or checks.
///
///     let mac = HMACSHA256(key: clusterKey)
///     var computation = mac.makeComputation()
///     computation.update(header)
///     computation.update(body)
///     let tag = computation.finalize()
public struct HMACSHA256: Sendable {
    /// Bytes in a full tag.
    public static let tagBytes = SHA256.digestBytes

    /// SHA-256 after the inner pad (key XOR 0x36 repeated).
    private let innerStart: SHA256
    /// SHA-256 after the outer pad (key XOR 0x5c repeated).
    private let outerStart: SHA256

    /// A keyed HMAC-SHA-256. A key longer than the 64-byte block is replaced by its SHA-256
    /// digest, a shorter one padded with zeros (RFC 2104, section 2).
    public init(key: some Sequence<UInt8>) {
        var keyBytes = Array(key)
        if keyBytes.count > SHA256.blockBytes { keyBytes = SHA256.hash(keyBytes) }
        keyBytes.append(contentsOf: repeatElement(0, count: SHA256.blockBytes - keyBytes.count))
        var inner = SHA256()
        inner.update(keyBytes.map { $0 ^ 0x36 })
        var outer = SHA256()
        outer.update(keyBytes.map { $0 ^ 0x5C })
        innerStart = inner
        outerStart = outer
    }

    /// The tag of one message in progress: feed its parts with `update(_:)`, then finalize once.
    public struct Computation: Sendable {
        private var inner: SHA256
        private let outerStart: SHA256

        fileprivate init(inner: SHA256, outerStart: SHA256) {
            self.inner = inner
            self.outerStart = outerStart
        }

        /// Adds the bytes of a raw buffer to the message.
        public mutating func update(_ bytes: UnsafeRawBufferPointer) {
            inner.update(bytes)
        }

        /// Adds bytes to the message.
        public mutating func update(_ bytes: some Sequence<UInt8>) {
            inner.update(bytes)
        }

        /// The 32-byte tag. Call it (or `finalize(into:)`) once; the value is spent.
        public mutating func finalize() -> [UInt8] {
            let tag = finalizeWords()
            return [UInt8](unsafeUninitializedCapacity: HMACSHA256.tagBytes) { buffer, count in
                SHA256.store(tag, into: UnsafeMutableRawBufferPointer(buffer))
                count = HMACSHA256.tagBytes
            }
        }

        /// Writes the first `min(buffer.count, 32)` bytes of the tag at the start of `buffer`
        /// (a truncated tag when the buffer is shorter) and returns how many it wrote.
        @discardableResult
        public mutating func finalize(into buffer: UnsafeMutableRawBufferPointer) -> Int {
            let tag = finalizeWords()
            var full: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
            let written = min(buffer.count, HMACSHA256.tagBytes)
            withUnsafeMutableBytes(of: &full) { raw in
                SHA256.store(tag, into: raw)
                if written > 0 { buffer.baseAddress!.copyMemory(from: raw.baseAddress!, byteCount: written) }
            }
            return written
        }

        /// The tag as eight words: H(outer pad || H(inner pad || message)).
        mutating func finalizeWords() -> SHA256.Words {
            let innerDigest = inner.finalizeWords()
            var outer = outerStart
            var digestBytes: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
            withUnsafeMutableBytes(of: &digestBytes) { raw in
                SHA256.store(innerDigest, into: raw)
                outer.update(UnsafeRawBufferPointer(raw))
            }
            return outer.finalizeWords()
        }
    }

    /// A tag computation for one message, starting from the precomputed key state.
    public func makeComputation() -> Computation {
        Computation(inner: innerStart, outerStart: outerStart)
    }

    /// The 32-byte tag of the bytes of a raw buffer.
    public func authenticationCode(for message: UnsafeRawBufferPointer) -> [UInt8] {
        var computation = makeComputation()
        computation.update(message)
        return computation.finalize()
    }

    /// The 32-byte tag of `message`.
    public func authenticationCode(for message: some Sequence<UInt8>) -> [UInt8] {
        var computation = makeComputation()
        computation.update(message)
        return computation.finalize()
    }

    /// A 64-bit keyed pseudo-random function: the first 8 bytes of the tag of `message`, read
    /// big-endian. What per-peer cookies are made of.
    public func prf64(_ message: UnsafeRawBufferPointer) -> UInt64 {
        var computation = makeComputation()
        computation.update(message)
        let tag = computation.finalizeWords()
        return UInt64(tag.h0) << 32 | UInt64(tag.h1)
    }

    /// The 32-byte HMAC-SHA-256 tag of `message` under `key`, in one call.
    public static func authenticationCode(for message: some Sequence<UInt8>, key: some Sequence<UInt8>) -> [UInt8] {
        HMACSHA256(key: key).authenticationCode(for: message)
    }

    /// Whether `a` and `b` hold the same bytes, taking a time that depends on their lengths but
    /// not on where they differ. Different lengths compare unequal (lengths are not secret).
    /// Inlinable so that it is specialized where it is called: the unspecialized generic loop
    /// costs microseconds, more than the tag it checks.
    @inlinable
    public static func constantTimeEquals(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        let count = a.count
        guard count == b.count else { return false }
        return differenceOfPrefixes(a, b, count: count) == 0
    }

    /// Whether the first `prefixLength` bytes of `a` and of `b` are equal, in a time that does
    /// not depend on where they differ: checks a tag truncated to `prefixLength` bytes (RFC 2104,
    /// section 5) against a full one, or two truncated tags. False when either holds fewer than
    /// `prefixLength` bytes, and when `prefixLength` is not positive (comparing nothing proves
    /// nothing).
    @inlinable
    public static func constantTimeEquals(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>,
                                          prefixLength: Int) -> Bool {
        guard prefixLength > 0, a.count >= prefixLength, b.count >= prefixLength else { return false }
        return differenceOfPrefixes(a, b, count: prefixLength) == 0
    }

    /// The OR of the XORs of the first `count` byte pairs: zero exactly when they are equal.
    /// No early exit.
    @inlinable
    static func differenceOfPrefixes(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>,
                                             count: Int) -> UInt8 {
        var difference: UInt8 = 0
        for (x, y) in zip(a.prefix(count), b.prefix(count)) {
            difference |= x ^ y
        }
        return difference
    }
}

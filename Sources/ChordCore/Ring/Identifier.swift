/// A 160-bit position on the Chord ring, read as a big-endian unsigned integer.
///
/// Stored as three words: `high` holds the top 32 bits (always below 2^32), `middle` and
/// `low` the next 64 bits each. Comparison is numeric. Ring arithmetic (addition modulo
/// 2^160, finger starts, interval membership) lives in `Identifier+Ring.swift`.
public struct Identifier: Hashable, Comparable, Sendable {
    /// Bits 159...128 (only the low 32 bits of this word are used).
    public let high: UInt64
    /// Bits 127...64.
    public let middle: UInt64
    /// Bits 63...0.
    public let low: UInt64

    /// Number of bits in an identifier.
    public static let bitWidth = 160
    /// Number of bytes in an identifier.
    public static let byteCount = 20

    /// Creates an identifier from its three words; `high` is reduced modulo 2^32.
    @inlinable
    public init(high: UInt64, middle: UInt64, low: UInt64) {
        self.high = high & 0xFFFF_FFFF
        self.middle = middle
        self.low = low
    }

    /// The identifier 0.
    public static let zero = Identifier(high: 0, middle: 0, low: 0)
    /// The identifier 2^160 − 1.
    public static let max = Identifier(high: 0xFFFF_FFFF, middle: .max, low: .max)

    /// Creates an identifier from a small integer.
    public init(_ value: UInt64) {
        self.init(high: 0, middle: 0, low: value)
    }

    /// Creates an identifier from exactly 20 big-endian bytes; returns nil for any other length.
    public init?<Bytes: Collection>(bigEndianBytes bytes: Bytes) where Bytes.Element == UInt8 {
        guard bytes.count == Identifier.byteCount else { return nil }
        let fast: Identifier?? = bytes.withContiguousStorageIfAvailable { buffer in
            let raw = UnsafeRawBufferPointer(buffer)
            return Identifier(high: UInt64(UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt32.self))),
                              middle: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 4, as: UInt64.self)),
                              low: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 12, as: UInt64.self)))
        }
        if let fast, let identifier = fast {
            self = identifier
            return
        }
        var words: (UInt64, UInt64, UInt64) = (0, 0, 0)
        for (index, byte) in bytes.enumerated() {
            switch index {
            case 0..<4: words.0 = words.0 << 8 | UInt64(byte)
            case 4..<12: words.1 = words.1 << 8 | UInt64(byte)
            default: words.2 = words.2 << 8 | UInt64(byte)
            }
        }
        self.init(high: words.0, middle: words.1, low: words.2)
    }

    /// The 20 big-endian bytes of this identifier.
    public var bigEndianBytes: [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(Identifier.byteCount)
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: high >> UInt64(shift))) }
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: middle >> UInt64(shift))) }
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: low >> UInt64(shift))) }
        return bytes
    }

    /// Numeric order of the 160-bit values.
    @inlinable
    public static func < (lhs: Identifier, rhs: Identifier) -> Bool {
        if lhs.high != rhs.high { return lhs.high < rhs.high }
        if lhs.middle != rhs.middle { return lhs.middle < rhs.middle }
        return lhs.low < rhs.low
    }
}

/// A ring member as others know it: its identifier and the address it advertises.
public struct Peer: Hashable, Sendable, CustomStringConvertible {
    /// SHA-1 of the advertised "HOST:PORT" text.
    public let id: Identifier
    /// Where to send it datagrams.
    public let address: NodeAddress

    /// A peer with a known identifier and address.
    public init(id: Identifier, address: NodeAddress) {
        self.id = id
        self.address = address
    }

    /// A peer whose identifier is computed from its address, as the node itself does.
    public init(address: NodeAddress) {
        self.init(id: .forNode(advertising: address.description), address: address)
    }

    /// A readable description.
    public var description: String { "\(id.shortHex())@\(address)" }
}

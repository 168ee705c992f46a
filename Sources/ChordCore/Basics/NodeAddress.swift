/// A UDP endpoint: an IPv4 or IPv6 address and a port.
///
/// Compact and cheap to hash, because the simulator moves millions of them. The text form
/// ("HOST:PORT", with IPv6 in brackets) is what a node advertises, and SHA-1 of that text is
/// the node's identifier; see `NodeAddress+Text.swift` for parsing and canonical printing.
public struct NodeAddress: Hashable, Comparable, Sendable {
    /// The address family.
    public enum Family: UInt8, Sendable {
        /// IPv4: the address is in the low 32 bits of `lowBits`.
        case ipv4 = 4
        /// IPv6: the address is `highBits` followed by `lowBits`, big-endian.
        case ipv6 = 6
    }

    /// The address family.
    public let family: Family
    /// IPv6: the first 8 bytes, big-endian. IPv4: 0.
    public let highBits: UInt64
    /// IPv6: the last 8 bytes, big-endian. IPv4: the 32-bit address.
    public let lowBits: UInt64
    /// The UDP port.
    public let port: UInt16

    /// An IPv4 endpoint from the four octets' 32-bit big-endian value.
    public init(ipv4 address: UInt32, port: UInt16) {
        self.family = .ipv4
        self.highBits = 0
        self.lowBits = UInt64(address)
        self.port = port
    }

    /// An IPv6 endpoint from the address's 16 bytes as two big-endian halves.
    public init(ipv6High: UInt64, ipv6Low: UInt64, port: UInt16) {
        self.family = .ipv6
        self.highBits = ipv6High
        self.lowBits = ipv6Low
        self.port = port
    }

    /// The address bytes: 4 for IPv4, 16 for IPv6, in network order.
    public var addressBytes: [UInt8] {
        switch family {
        case .ipv4:
            return (0..<4).map { UInt8(truncatingIfNeeded: lowBits >> UInt64(24 - 8 * $0)) }
        case .ipv6:
            return (0..<8).map { UInt8(truncatingIfNeeded: highBits >> UInt64(56 - 8 * $0)) }
                + (0..<8).map { UInt8(truncatingIfNeeded: lowBits >> UInt64(56 - 8 * $0)) }
        }
    }

    /// Creates an endpoint from 4 or 16 address bytes in network order.
    public init?(addressBytes bytes: [UInt8], port: UInt16) {
        switch bytes.count {
        case 4:
            self.init(ipv4: bytes.reduce(0) { $0 << 8 | UInt32($1) }, port: port)
        case 16:
            self.init(ipv6High: bytes[0..<8].reduce(0) { $0 << 8 | UInt64($1) },
                      ipv6Low: bytes[8..<16].reduce(0) { $0 << 8 | UInt64($1) }, port: port)
        default:
            return nil
        }
    }

    /// The same address with another port.
    public func with(port: UInt16) -> NodeAddress {
        family == .ipv4 ? NodeAddress(ipv4: UInt32(truncatingIfNeeded: lowBits), port: port)
            : NodeAddress(ipv6High: highBits, ipv6Low: lowBits, port: port)
    }

    /// Whether the address is the wildcard of its family (0.0.0.0 or ::): a socket bound to
    /// it receives on every address of the host, and no peer can reach it by that text.
    public var isWildcard: Bool { highBits == 0 && lowBits == 0 }

    /// Orders the values.
    public static func < (lhs: NodeAddress, rhs: NodeAddress) -> Bool {
        (lhs.family.rawValue, lhs.highBits, lhs.lowBits, lhs.port)
            < (rhs.family.rawValue, rhs.highBits, rhs.lowBits, rhs.port)
    }
}

import ChordCore
import Glibc

/// A socket address as the kernel takes it: `sockaddr_in` or `sockaddr_in6`, converted to
/// and from `NodeAddress`. Byte order is handled here, nowhere else.
enum SocketAddress: Sendable {
    /// An IPv4 address.
    case ipv4(sockaddr_in)
    /// An IPv6 address.
    case ipv6(sockaddr_in6)

    /// The kernel form of `address`.
    init(_ address: NodeAddress) {
        switch address.family {
        case .ipv4:
            var raw = sockaddr_in()
            raw.sin_family = sa_family_t(AF_INET)
            raw.sin_port = address.port.bigEndian
            raw.sin_addr.s_addr = UInt32(truncatingIfNeeded: address.lowBits).bigEndian
            self = .ipv4(raw)
        case .ipv6:
            var raw = sockaddr_in6()
            raw.sin6_family = sa_family_t(AF_INET6)
            raw.sin6_port = address.port.bigEndian
            let bytes = address.addressBytes
            withUnsafeMutableBytes(of: &raw.sin6_addr) { target in
                for index in 0..<16 { target[index] = bytes[index] }
            }
            self = .ipv6(raw)
        }
    }

    /// `address` as a dual-stack IPv6 socket sends to it: an IPv4 address becomes the
    /// IPv4-mapped IPv6 address ::ffff:a.b.c.d; an IPv6 address stays itself.
    init(mappingToIPv6 address: NodeAddress) {
        guard address.family == .ipv4 else {
            self.init(address)
            return
        }
        self.init(NodeAddress(ipv6High: 0, ipv6Low: 0xFFFF_0000_0000 | address.lowBits, port: address.port))
    }

    /// Reads the address the kernel filled in (`recvfrom`, `getsockname`); nil for another
    /// family or a short length.
    init?(storage: sockaddr_storage, length: Int) {
        var storage = storage
        switch Int32(storage.ss_family) {
        case AF_INET where length >= MemoryLayout<sockaddr_in>.size:
            self = .ipv4(withUnsafeBytes(of: &storage) { $0.loadUnaligned(as: sockaddr_in.self) })
        case AF_INET6 where length >= MemoryLayout<sockaddr_in6>.size:
            self = .ipv6(withUnsafeBytes(of: &storage) { $0.loadUnaligned(as: sockaddr_in6.self) })
        default:
            return nil
        }
    }

    /// The endpoint as the core names it (an IPv6 scope identifier is dropped). An
    /// IPv4-mapped IPv6 address (::ffff:a.b.c.d, the source of IPv4 traffic on a dual-stack
    /// socket) is the IPv4 endpoint it stands for, so that a peer has one name whichever
    /// socket it reaches.
    var nodeAddress: NodeAddress {
        switch self {
        case .ipv4(let raw):
            return NodeAddress(ipv4: UInt32(bigEndian: raw.sin_addr.s_addr), port: UInt16(bigEndian: raw.sin_port))
        case .ipv6(var raw):
            let bytes = withUnsafeBytes(of: &raw.sin6_addr) { Array($0) }
            let high = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let low = bytes[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let port = UInt16(bigEndian: raw.sin6_port)
            if high == 0 && low >> 32 == 0xFFFF { return NodeAddress(ipv4: UInt32(truncatingIfNeeded: low), port: port) }
            return NodeAddress(ipv6High: high, ipv6Low: low, port: port)
        }
    }

    /// The address family.
    var family: NodeAddress.Family {
        switch self {
        case .ipv4: return .ipv4
        case .ipv6: return .ipv6
        }
    }

    /// Calls `body` with a `sockaddr` pointer and length, as `bind` and `sendto` take them.
    func withSockaddr<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
        switch self {
        case .ipv4(var raw):
            return withUnsafePointer(to: &raw) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        case .ipv6(var raw):
            return withUnsafePointer(to: &raw) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
    }
}

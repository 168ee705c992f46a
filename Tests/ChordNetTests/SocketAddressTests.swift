import ChordCore
import Glibc
import Testing
@testable import ChordNet

@Suite struct SocketAddressTests {
    @Test func ipv4ToKernelForm() throws {
        let address = try NodeAddress(parsing: "127.0.0.1:4000")
        guard case .ipv4(var raw) = SocketAddress(address) else {
            Issue.record("expected sockaddr_in")
            return
        }
        #expect(Int32(raw.sin_family) == AF_INET)
        #expect(withUnsafeBytes(of: &raw.sin_port) { Array($0) } == [0x0F, 0xA0])
        #expect(withUnsafeBytes(of: &raw.sin_addr) { Array($0) } == [127, 0, 0, 1])
        #expect(SocketAddress(address).nodeAddress == address)
    }

    @Test func ipv6ToKernelForm() throws {
        let address = try NodeAddress(parsing: "[2001:db8::1:ff]:65535")
        guard case .ipv6(var raw) = SocketAddress(address) else {
            Issue.record("expected sockaddr_in6")
            return
        }
        #expect(Int32(raw.sin6_family) == AF_INET6)
        #expect(withUnsafeBytes(of: &raw.sin6_port) { Array($0) } == [0xFF, 0xFF])
        #expect(withUnsafeBytes(of: &raw.sin6_addr) { Array($0) }
            == [0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0xFF])
        #expect(raw.sin6_scope_id == 0 && raw.sin6_flowinfo == 0)
        #expect(SocketAddress(address).nodeAddress == address)
    }

    @Test(arguments: ["0.0.0.0:1", "255.255.255.255:65535", "10.1.2.3:80", "[::]:1", "[::1]:9000",
                      "[fe80::1:2:3:4]:5", "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535"])
    func roundTripsThroughStorage(text: String) throws {
        let address = try NodeAddress(parsing: text)
        var storage = sockaddr_storage()
        let length = SocketAddress(address).withSockaddr { pointer, length in
            withUnsafeMutableBytes(of: &storage) { target in
                target.copyMemory(from: UnsafeRawBufferPointer(start: pointer, count: Int(length)))
            }
            return Int(length)
        }
        let decoded = try #require(SocketAddress(storage: storage, length: length))
        #expect(decoded.nodeAddress == address)
        #expect(decoded.family == address.family)
        #expect(decoded.nodeAddress.description == text)
    }

    @Test func refusesShortOrForeignStorage() {
        var storage = sockaddr_storage()
        storage.ss_family = sa_family_t(AF_INET)
        #expect(SocketAddress(storage: storage, length: 4) == nil)
        storage.ss_family = sa_family_t(AF_INET6)
        #expect(SocketAddress(storage: storage, length: MemoryLayout<sockaddr_in>.size) == nil)
        storage.ss_family = sa_family_t(AF_UNIX)
        #expect(SocketAddress(storage: storage, length: MemoryLayout<sockaddr_storage>.size) == nil)
    }
}

@Suite("Host names")
struct HostNameTests {
    @Test func literalsAreTakenAsTheyAre() throws {
        #expect(try HostNames.resolve("127.0.0.1:4000") == [NodeAddress(ipv4: 0x7F00_0001, port: 4000)])
        #expect(try HostNames.resolve("[::1]:4000").map(\.description) == ["[::1]:4000"])
    }

    @Test func namesGoToTheResolver() throws {
        // "localhost" is in every /etc/hosts; through the resolver (not the literal parser).
        let addresses = try Syscalls.resolve(host: "localhost", port: 4100).get()
        #expect(addresses.contains(NodeAddress(ipv4: 0x7F00_0001, port: 4100)))
        #expect(addresses.allSatisfy { $0.port == 4100 })
    }

    @Test func unknownNamesAndBadTextsAreClearErrors() {
        #expect { _ = try HostNames.resolve("nosuchhost.invalid:4000") } throws: { "\($0)".contains("cannot resolve 'nosuchhost.invalid'") }
        #expect(throws: NodeAddress.ParseError.self) { _ = try HostNames.resolve("no-port-here") }
    }

    @Test func wildcardsAndPorts() {
        #expect(NodeAddress(ipv4: 0, port: 1).isWildcard)
        #expect(NodeAddress(ipv6High: 0, ipv6Low: 0, port: 1).isWildcard)
        #expect(!NodeAddress(ipv4: 0x7F00_0001, port: 1).isWildcard)
        #expect(NodeAddress(ipv4: 0x7F00_0001, port: 1).with(port: 9).port == 9)
    }
}

@Suite("Dual-stack sockets")
struct DualStackTests {
    @Test func aSocketOnTheIPv6WildcardTalksToIPv4PeersByTheirIPv4Addresses() throws {
        let dual = try UDPSocket(binding: NodeAddress(ipv6High: 0, ipv6Low: 0, port: 0))
        let peer = try UDPSocket(binding: NodeAddress(ipv4: 0x7F00_0001, port: 0))
        #expect(dual.isDualStack && dual.canReach(peer.localAddress))
        try peer.send(Array("ping".utf8), to: NodeAddress(ipv4: 0x7F00_0001, port: dual.localAddress.port))
        #expect(try dual.waitUntilReadable(timeoutMilliseconds: 2000))
        var buffer = [UInt8](repeating: 0, count: 64)
        let received = try #require(try dual.receive(into: &buffer))
        #expect(received.source == peer.localAddress)  // 127.0.0.1:port, not ::ffff:127.0.0.1
        try dual.send(Array("pong".utf8), to: received.source)
        #expect(try peer.waitUntilReadable(timeoutMilliseconds: 2000))
        let answer = try #require(try peer.receive(into: &buffer))
        #expect(Array(buffer[0..<answer.count]) == Array("pong".utf8))
        #expect(answer.source.port == dual.localAddress.port)
    }

    @Test func aConcreteIPv6AddressStaysIPv6Only() throws {
        let socket = try UDPSocket(binding: NodeAddress(ipv6High: 0, ipv6Low: 1, port: 0))
        #expect(!socket.isDualStack)
        #expect(!socket.canReach(NodeAddress(ipv4: 0x7F00_0001, port: 9)))
        #expect(throws: SystemError.self) { try socket.send(Array("x".utf8), to: NodeAddress(ipv4: 0x7F00_0001, port: 9)) }
    }

    @Test func mappedAddressesReadAsIPv4() {
        let mapped = SocketAddress(mappingToIPv6: NodeAddress(ipv4: 0x0A01_0203, port: 77))
        #expect(mapped.family == .ipv6)
        #expect(mapped.nodeAddress == NodeAddress(ipv4: 0x0A01_0203, port: 77))
        #expect(SocketAddress(mappingToIPv6: NodeAddress(ipv6High: 1, ipv6Low: 2, port: 3)).nodeAddress
                == NodeAddress(ipv6High: 1, ipv6Low: 2, port: 3))
    }
}

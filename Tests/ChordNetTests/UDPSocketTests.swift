import ChordCore
import Glibc
import Testing
@testable import ChordNet

@Suite struct UDPSocketTests {
    /// Receives one datagram, waiting up to 5 s for it to arrive.
    private func receiveOne(_ socket: UDPSocket, capacity: Int = 2048) throws -> ([UInt8], NodeAddress)? {
        let deadline = MonotonicClock.now() + Nanos.seconds(5)
        var buffer = [UInt8](repeating: 0, count: capacity)
        while MonotonicClock.now() < deadline {
            if let (count, source) = try socket.receive(into: &buffer) {
                return (Array(buffer[0..<min(count, capacity)]), source)
            }
            _ = Syscalls.waitReadable(socket.descriptor, timeoutMilliseconds: 100)
        }
        return nil
    }

    @Test func bindingPortZeroReportsTheChosenPort() throws {
        let socket = try UDPSocket(binding: anyLoopbackPort)
        #expect(socket.localAddress.port != 0)
        #expect(socket.localAddress.hostText == "127.0.0.1")
    }

    @Test func ipv4SocketsExchangeDatagrams() throws {
        let a = try UDPSocket(binding: anyLoopbackPort)
        let b = try UDPSocket(binding: anyLoopbackPort)
        var empty = [UInt8](repeating: 0, count: 16)
        #expect(try a.receive(into: &empty) == nil)

        try a.send([1, 2, 3], to: b.localAddress)
        let (first, source) = try #require(try receiveOne(b))
        #expect(first == [1, 2, 3])
        #expect(source == a.localAddress)

        try b.send(Array(repeating: 0xAB, count: 1200), to: source)
        let (reply, replySource) = try #require(try receiveOne(a))
        #expect(reply == Array(repeating: 0xAB, count: 1200))
        #expect(replySource == b.localAddress)
    }

    @Test(.enabled(if: ipv6LoopbackAvailable)) func ipv6SocketsExchangeDatagrams() throws {
        let a = try UDPSocket(binding: anyIPv6LoopbackPort)
        let b = try UDPSocket(binding: anyIPv6LoopbackPort)
        #expect(a.localAddress.description.hasPrefix("[::1]:"))
        try a.send([42], to: b.localAddress)
        let (bytes, source) = try #require(try receiveOne(b))
        #expect(bytes == [42])
        #expect(source == a.localAddress)
    }

    @Test func truncatedDatagramReportsItsFullLength() throws {
        let a = try UDPSocket(binding: anyLoopbackPort)
        let b = try UDPSocket(binding: anyLoopbackPort)
        try a.send(Array(repeating: 7, count: 100), to: b.localAddress)
        _ = Syscalls.waitReadable(b.descriptor, timeoutMilliseconds: 5000)
        var small = [UInt8](repeating: 0, count: 10)
        let received = try #require(try b.receive(into: &small))
        #expect(received.count == 100)
    }

    @Test func sendingToTheOtherFamilyFails() throws {
        let socket = try UDPSocket(binding: anyLoopbackPort)
        #expect(throws: SystemError(call: "sendto", errno: EAFNOSUPPORT)) {
            try socket.send([1], to: NodeAddress(ipv6High: 0, ipv6Low: 1, port: 9))
        }
    }

    @Test func bindingATakenPortFailsWithErrno() throws {
        let first = try UDPSocket(binding: anyLoopbackPort)
        do {
            _ = try UDPSocket(binding: first.localAddress)
            Issue.record("second bind succeeded")
        } catch {
            #expect(error.call == "bind")
            #expect(error.errno == EADDRINUSE)
            #expect(error.description.hasPrefix("bind: Address already in use"))
        }
    }
}

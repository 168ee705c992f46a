import ChordCore
import ChordNet
import Foundation
import Synchronization

/// A stand-in node that answers raw datagrams with raw bytes (whatever it cannot or need not
/// decode), on an ephemeral 127.0.0.1 port, from its own thread.
final class RawResponder: Sendable {
    private final class Shared: @unchecked Sendable {
        let socket: UDPSocket
        init(_ socket: UDPSocket) { self.socket = socket }
    }

    private let socket: Shared
    private let respond: @Sendable ([UInt8]) -> [UInt8]?
    private let running = Atomic<Bool>(true)

    /// Starts serving: each datagram's answer is `respond(bytes)`, nil for none.
    init(respond: @escaping @Sendable ([UInt8]) -> [UInt8]?) throws {
        socket = Shared(try UDPSocket(binding: NodeAddress(ipv4: 0x7F00_0001, port: 0)))
        self.respond = respond
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    /// The address clients send to.
    var address: NodeAddress { socket.socket.localAddress }

    /// Stops the serving thread (within a poll interval).
    func stop() {
        running.store(false, ordering: .releasing)
    }

    private func serve() {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while running.load(ordering: .acquiring) {
            guard (try? socket.socket.waitUntilReadable(timeoutMilliseconds: 10)) == true else { continue }
            while let (count, source) = try? socket.socket.receive(into: &buffer) {
                guard count <= buffer.count, let answer = respond(Array(buffer[0..<count])) else { continue }
                try? socket.socket.send(answer, to: source)
            }
        }
    }
}

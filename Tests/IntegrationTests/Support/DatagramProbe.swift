import ChordCore
import ChordNet
import ChordWire

/// A bare UDP socket on 127.0.0.1 that sends crafted datagrams to one node and reads what
/// comes back. Blocking: use it inside `offload`.
final class DatagramProbe {
    let socket: UDPSocket
    let target: NodeAddress
    private var buffer = [UInt8](repeating: 0, count: 70_000)

    init(target: NodeAddress) throws {
        self.target = target
        socket = try UDPSocket(binding: NodeAddress(ipv4: 0x7F00_0001, port: 0))
    }

    /// Sends `bytes` as one datagram to the target.
    func send(_ bytes: [UInt8]) throws {
        try socket.send(bytes, to: target)
    }

    /// Sends a request (no sender: a client's) with `requestID`.
    func send(_ message: Message, requestID: UInt64) throws {
        try send(WireFormat.encode(Envelope(requestID: requestID, sender: nil, message: message)))
    }

    /// The next datagram from the target, decoded, waiting at most `timeoutMilliseconds`
    /// (nil: none came). Datagrams from elsewhere are skipped.
    func receive(timeoutMilliseconds: Int32 = 3000) throws -> Envelope? {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeoutMilliseconds))
        while ContinuousClock.now < deadline {
            let left = deadline - ContinuousClock.now
            let milliseconds = Int32(max(1, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000))
            guard try socket.waitUntilReadable(timeoutMilliseconds: milliseconds) else { continue }
            guard let (count, source) = try socket.receive(into: &buffer) else { continue }
            guard source == target else { continue }
            return try WireFormat.decode(Array(buffer[0..<count]))
        }
        return nil
    }
}

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

    /// Sends a request (no sender: a client's) with `requestID`, and `cookie` if given; with
    /// `key`, sealed at `unixMilliseconds` (default: now).
    func send(_ message: Message, requestID: UInt64, cookie: UInt64? = nil, key: ClusterKey? = nil,
              unixMilliseconds: UInt64 = DatagramProbe.now()) throws {
        try send(WireFormat.encode(Envelope(requestID: requestID, cookie: cookie, sender: nil, message: message), key: key,
                                   unixMilliseconds: unixMilliseconds))
    }

    /// The next datagram from the target, decoded (with `key`, if given, checked at the
    /// current time), waiting at most `timeoutMilliseconds` (nil: none came). Datagrams from
    /// elsewhere are skipped.
    func receive(timeoutMilliseconds: Int32 = 3000, key: ClusterKey? = nil) throws -> Envelope? {
        guard let bytes = try receiveBytes(timeoutMilliseconds: timeoutMilliseconds) else { return nil }
        return try WireFormat.decode(bytes, key: key, unixMilliseconds: Self.now())
    }

    /// The next datagram from the target, as it came, waiting at most `timeoutMilliseconds`
    /// (nil: none came).
    func receiveBytes(timeoutMilliseconds: Int32 = 3000) throws -> [UInt8]? {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeoutMilliseconds))
        while ContinuousClock.now < deadline {
            let left = deadline - ContinuousClock.now
            let milliseconds = Int32(max(1, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000))
            guard try socket.waitUntilReadable(timeoutMilliseconds: milliseconds) else { continue }
            guard let (count, source) = try socket.receive(into: &buffer) else { continue }
            guard source == target else { continue }
            return Array(buffer[0..<count])
        }
        return nil
    }

    /// Unix time in milliseconds.
    static func now() -> UInt64 {
        UInt64(WallClock.unixNanoseconds() / 1_000_000)
    }
}

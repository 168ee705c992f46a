import ChordCore
import ChordNet

/// A clock that moves only when told to (or when a `FakeSocket` waits): virtual time.
final class FakeClock: NodeClock {
    /// Unix time at the monotonic origin (2023-11-14T22:13:20Z).
    static let unixAtOrigin: Int64 = 1_700_000_000 * 1_000_000_000

    private(set) var current: Instant

    /// A clock reading `start`.
    init(start: Instant = Instant(nanoseconds: Nanos.seconds(1_000_000))) {
        current = start
    }

    func now() -> Instant { current }
    func unixNanoseconds() -> Int64 { current.nanoseconds + Self.unixAtOrigin }

    /// Moves the clock forward by `nanoseconds`.
    func advance(by nanoseconds: Int64) {
        precondition(nanoseconds >= 0, "virtual time does not go back")
        current = current + nanoseconds
    }
}

/// A datagram socket without a kernel: the test puts datagrams in its inbox and reads what
/// the runner sent. Waiting takes no real time: with nothing to read, the whole timeout passes
/// at once on the shared `FakeClock`.
final class FakeSocket: DatagramSocket {
    /// One datagram, the other end (its source when received, destination when sent) and
    /// the virtual instant it was handed over.
    struct Datagram {
        let bytes: [UInt8]
        let peer: NodeAddress
        let instant: Instant
    }

    let localAddress: NodeAddress
    let clock: FakeClock
    /// Waiting to be received, oldest first.
    private(set) var inbox: [Datagram] = []
    /// Everything the runner asked to send, in order.
    private(set) var sent: [Datagram] = []
    /// The timeout of every wait the runner asked for, in milliseconds (-1: none).
    private(set) var waits: [Int32] = []

    init(localAddress: NodeAddress, clock: FakeClock) {
        self.localAddress = localAddress
        self.clock = clock
    }

    /// Queues `bytes` from `source` for the runner to receive.
    func deliver(_ bytes: [UInt8], from source: NodeAddress) {
        inbox.append(Datagram(bytes: bytes, peer: source, instant: clock.now()))
    }

    func send(_ bytes: UnsafeRawBufferPointer, to destination: NodeAddress) throws(SystemError) {
        sent.append(Datagram(bytes: Array(bytes), peer: destination, instant: clock.now()))
    }

    func receive(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> (count: Int, source: NodeAddress)? {
        guard !inbox.isEmpty else { return nil }
        let datagram = inbox.removeFirst()
        let copied = min(datagram.bytes.count, buffer.count)
        for index in 0..<copied { buffer[index] = datagram.bytes[index] }
        return (datagram.bytes.count, datagram.peer)
    }

    func waitUntilReadable(orWoken wake: WakePipe, timeoutMilliseconds: Int32) throws(SystemError) -> SocketReadiness {
        waits.append(timeoutMilliseconds)
        let readiness = SocketReadiness(datagramWaiting: !inbox.isEmpty, woken: wake.isPosted)
        if !readiness.datagramWaiting && !readiness.woken && timeoutMilliseconds > 0 {
            clock.advance(by: Nanos.milliseconds(Int64(timeoutMilliseconds)))
        }
        return readiness
    }
}

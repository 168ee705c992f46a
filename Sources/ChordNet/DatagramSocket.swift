import ChordCore

/// What a `NodeRunner` needs from its socket: send a datagram, receive a waiting one, and
/// wait until one is waiting or the runner's wake pipe has a byte. `UDPSocket` is the real
/// one; tests drive the runner's loop with a fake one in virtual time.
///
/// Called from the runner's one thread only.
public protocol DatagramSocket: AnyObject {
    /// The endpoint the socket is bound to.
    var localAddress: NodeAddress { get }

    /// Sends `bytes` as one datagram to `destination`.
    func send(_ bytes: UnsafeRawBufferPointer, to destination: NodeAddress) throws(SystemError)

    /// Receives one waiting datagram into `buffer`: its length and source, or nil when none
    /// is waiting. A datagram longer than the buffer is truncated; `count` is then its full
    /// length, larger than the buffer.
    func receive(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> (count: Int, source: NodeAddress)?

    /// Waits until a datagram is waiting, `wake` has a byte, or `timeoutMilliseconds` pass
    /// (-1: no limit). Says which happened (neither after a timeout or an interrupted wait;
    /// an error on the socket counts as a datagram waiting: the next `receive` reports it).
    func waitUntilReadable(orWoken wake: WakePipe, timeoutMilliseconds: Int32) throws(SystemError) -> SocketReadiness
}

/// What ended a `DatagramSocket` wait.
public struct SocketReadiness: Sendable, Equatable {
    /// A datagram (or an error) is waiting on the socket.
    public var datagramWaiting: Bool
    /// The wake pipe has a byte.
    public var woken: Bool

    /// A readiness.
    public init(datagramWaiting: Bool, woken: Bool) {
        self.datagramWaiting = datagramWaiting
        self.woken = woken
    }
}

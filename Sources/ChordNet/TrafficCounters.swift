/// What a runner has counted on its socket since it started.
public struct TrafficCounters: Sendable, Equatable {
    /// Datagrams read from the socket (well-formed or not).
    public var datagramsReceived = 0
    /// Datagrams the kernel accepted for sending.
    public var datagramsSent = 0
    /// Received datagrams the codec refused (or that were truncated): dropped.
    public var malformedDropped = 0
    /// Envelopes whose encoding exceeded the codec's maximum datagram size: not sent.
    public var oversizedDropped = 0
    /// Sends the kernel refused (full buffer, unreachable network, wrong family).
    public var sendErrors = 0
    /// Failed reads from the socket.
    public var receiveErrors = 0

    /// All zero.
    public init() {}
}

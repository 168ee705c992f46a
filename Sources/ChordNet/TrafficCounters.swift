/// What a runner has counted on its socket since it started.
public struct TrafficCounters: Sendable, Equatable {
    /// Datagrams read from the socket (well-formed or not).
    public var datagramsReceived = 0
    /// Datagrams the kernel accepted for sending (refusals included).
    public var datagramsSent = 0
    /// Received datagrams the codec refused as malformed (or that were truncated): dropped.
    public var malformedDropped = 0
    /// Received datagrams without a valid cluster-key tag (or, on a node without a key, with
    /// one): dropped.
    public var unauthenticatedDropped = 0
    /// Received datagrams with a valid tag but a timestamp outside the replay window: dropped.
    public var staleDropped = 0
    /// Short answers sent to refused requests (at most one a second to each source).
    public var refusalsSent = 0
    /// Envelopes whose encoding exceeded the codec's maximum datagram size: not sent.
    public var oversizedDropped = 0
    /// Sends the kernel refused (full buffer, unreachable network, wrong family).
    public var sendErrors = 0
    /// Failed reads from the socket.
    public var receiveErrors = 0
    /// Datagrams dropped, sent or received, by injected faults (`RunnerOptions.faults`).
    public var faultDropped = 0
    /// Datagrams held back before sending by injected delay.
    public var faultDelayed = 0

    /// All zero.
    public init() {}
}

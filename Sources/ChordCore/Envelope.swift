/// A message with its header: request id and sender.
public struct Envelope: Sendable, Equatable {
    /// Matches a response to its request; also the key of the responder's reply cache.
    public var requestID: UInt64
    /// The sending ring member, or nil when a client (not a ring member) sent it.
    public var sender: Peer?
    /// The body.
    public var message: Message

    /// An envelope.
    public init(requestID: UInt64, sender: Peer?, message: Message) {
        self.requestID = requestID
        self.sender = sender
        self.message = message
    }
}

/// The messages Chord nodes exchange, as the core sees them (decoded, typed).
///
/// Requests and responses are matched by the envelope's request id. The wire encoding of
/// these cases is specified byte by byte in docs/PROTOCOL.md.
public enum Message: Sendable, Equatable {
    // MARK: Requests

    /// Are you alive? Answered with `.pong`.
    case ping
    /// Stabilize asks its successor for its predecessor and successor list.
    /// Answered with `.neighbors`.
    case getNeighbors
    /// The sender believes it is the receiver's predecessor (Zave's rectify). One-way.
    case notify
    /// The sender has just joined right after the receiver: it may lie between the receiver
    /// and its successor, and the receiver should check (as stabilize would). One-way.
    case announce
    /// One step of an iterative lookup: who owns `target`, or who is closer to it?
    /// Answered with `.nextHop`.
    case findNext(target: Identifier)

    // MARK: Responses

    /// Answer to `.ping`.
    case pong
    /// Answer to `.getNeighbors`: the responder's predecessor and successor list.
    case neighbors(predecessor: Peer?, successors: [Peer])
    /// Answer to `.findNext`.
    case nextHop(LookupStep)

    /// Whether this message answers a request (and so is matched by request id).
    public var isResponse: Bool {
        switch self {
        case .pong, .neighbors, .nextHop: return true
        case .ping, .getNeighbors, .notify, .announce, .findNext: return false
        }
    }

    /// Whether the sender expects an answer.
    public var expectsResponse: Bool {
        switch self {
        case .ping, .getNeighbors, .findNext: return true
        case .notify, .announce, .pong, .neighbors, .nextHop: return false
        }
    }
}

/// What one node answers to one lookup step.
public enum LookupStep: Sendable, Equatable {
    /// The target's owner is the first peer; the rest are its successors (the key's replicas).
    case owner([Peer])
    /// The responder does not know the owner; these peers lie between the responder and the
    /// target, closest to the target first.
    case closer([Peer])
}

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

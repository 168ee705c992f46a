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
    /// The sender is leaving the ring gracefully: its predecessor and successors, so that
    /// its neighbours can close the gap at once. One-way.
    case leaving(predecessor: Peer?, successors: [Peer])

    // MARK: Client requests (from anyone; the receiving node coordinates)

    /// Read a key. Answered with `.result`.
    case get(key: [UInt8])
    /// Write a key. Answered with `.result`.
    case put(key: [UInt8], value: [UInt8])
    /// Remove a key. Answered with `.result`.
    case remove(key: [UInt8])
    /// Look `target` up and report every hop. Answered with `.trace`.
    case traceLookup(target: Identifier)
    /// Describe yourself. Answered with `.info`.
    case getInfo

    // MARK: Storage requests between nodes

    /// Coordinator to owner: carry out this operation as the key's owner. Answered with
    /// `.result`, or `.redirect` when the receiver does not own the key.
    case ownerRequest(StorageOperation)
    /// Store these entries if they are newer than what is held (replication, read repair,
    /// hand-off, anti-entropy). Answered with `.stored`.
    case store(entries: [StoredEntry])
    /// Owner to replica: what do you hold for this key? Answered with `.fetched`.
    case fetch(key: [UInt8])
    /// Owner to replica, anti-entropy: digests of the keys in (lower, upper], one per bucket
    /// of the store's fixed bucketing. Answered with `.syncDifferences`.
    case syncDigest(lower: Identifier, upper: Identifier, digests: [UInt64])

    // MARK: Responses

    /// Answer to `.ping`.
    case pong
    /// Answer to `.getNeighbors`: the responder's predecessor and successor list.
    case neighbors(predecessor: Peer?, successors: [Peer])
    /// Answer to `.findNext`.
    case nextHop(LookupStep)
    /// Answer to `.get`, `.put`, `.remove` and `.ownerRequest`: a status and, for a found
    /// get, the value.
    case result(status: Status, value: [UInt8]?)
    /// Answer to `.ownerRequest` when the receiver does not own the key: what it knows of
    /// the owner (the same as a lookup step).
    case redirect(LookupStep)
    /// Answer to `.traceLookup`.
    case trace(LookupTrace)
    /// Answer to `.getInfo`.
    case info(NodeInfo)
    /// Answer to `.store`: how many entries were newer and kept.
    case stored(count: UInt32)
    /// Answer to `.fetch`: the entry held, if any (a tombstone is an entry).
    case fetched(StoredEntry?)
    /// Answer to `.syncDigest`: the buckets whose digests differ.
    case syncDifferences(buckets: [UInt16])
    /// Answer to any request that was refused (unknown command, overloaded, bad request).
    case error(Status)

    /// A request of a type this build does not know (decoded from its header only). The
    /// node answers it with `.error(.unknownCommand)`.
    case unknownRequest(type: UInt8)

    /// Whether this message answers a request (and so is matched by request id).
    public var isResponse: Bool {
        switch self {
        case .pong, .neighbors, .nextHop, .result, .redirect, .trace, .info, .stored, .fetched, .syncDifferences,
             .error:
            return true
        case .ping, .getNeighbors, .notify, .announce, .findNext, .leaving, .get, .put, .remove, .traceLookup,
             .getInfo, .ownerRequest, .store, .fetch, .syncDigest, .unknownRequest:
            return false
        }
    }

    /// Whether the sender expects an answer.
    public var expectsResponse: Bool {
        switch self {
        case .notify, .announce, .leaving: return false
        default: return !isResponse
        }
    }
}

/// A message with its header: request id, cookie and sender.
public struct Envelope: Sendable, Equatable {
    /// Matches a response to its request; also the key of the responder's reply cache.
    /// Nodes draw it at random, so that an answer proves the answerer received the request.
    public var requestID: UInt64
    /// A return-routability cookie (docs/PROTOCOL.md, "Trust"): in a request, the cookie the
    /// receiver gave this sender; in an answer, the cookie the answerer gives the requester.
    public var cookie: UInt64?
    /// The sending ring member, or nil when a client (not a ring member) sent it.
    public var sender: Peer?
    /// The body.
    public var message: Message
    /// Bytes of padding after the body (0: none): a request to a node whose cookie the sender
    /// lacks is padded so that its answer fits within 3 times the request (as QUIC pads its
    /// first packets).
    public var padding: Int

    /// An envelope.
    public init(requestID: UInt64, cookie: UInt64? = nil, sender: Peer?, message: Message, padding: Int = 0) {
        self.requestID = requestID
        self.cookie = cookie
        self.sender = sender
        self.message = message
        self.padding = padding
    }
}

/// The outcome of a storage request, as clients see it (one byte on the wire).
public enum Status: UInt8, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    /// Done.
    case ok = 0
    /// The key has no value (never written, or removed).
    case notFound = 1
    /// The owner is at its --max-keys or --max-bytes quota.
    case outOfSpace = 2
    /// The node has too many requests in progress; try again later.
    case overloaded = 3
    /// Something went wrong inside the node.
    case internalFailure = 4
    /// The request type is not one this node knows.
    case unknownCommand = 5
    /// The value is larger than `StorageLimits.maximumValueBytes`.
    case valueTooLarge = 6
    /// The key is empty or larger than `StorageLimits.maximumKeyBytes`.
    case keyTooLarge = 7
    /// Reserved: nodes answer a request for a key they do not own with `.redirect`, never this.
    case notResponsible = 8
    /// The ring could not complete the request in time (owner unreachable).
    case timedOut = 9
    /// Too few replicas acknowledged a write, or answered a read, in time.
    case unavailable = 10
    /// The request was malformed (for example a key that is not UTF-8).
    case badRequest = 11
    /// The answer was withheld: the requester's address is not validated yet (the answer
    /// would be more than 3 times the request), or a member message came without the
    /// receiver's cookie. Retry with the cookie in this answer's header.
    case retryWithCookie = 12
    /// The node requires a cluster key, and the datagram had no valid tag (or one outside
    /// the replay window).
    case authenticationFailed = 13
    /// The datagram carried a cluster-key tag, but the node has no cluster key.
    case noClusterKey = 14

    /// A readable description.
    public var description: String {
        switch self {
        case .ok: return "ok"
        case .notFound: return "not found"
        case .outOfSpace: return "out of space"
        case .overloaded: return "overloaded"
        case .internalFailure: return "internal failure"
        case .unknownCommand: return "unknown command"
        case .valueTooLarge: return "value too large"
        case .keyTooLarge: return "key too large"
        case .notResponsible: return "not responsible"
        case .timedOut: return "timed out"
        case .unavailable: return "too few replicas answered"
        case .badRequest: return "bad request"
        case .retryWithCookie: return "retry with cookie"
        case .authenticationFailed: return "cluster key missing or wrong"
        case .noClusterKey: return "the node has no cluster key"
        }
    }
}

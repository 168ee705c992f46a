import ChordCore
import ChordNet

/// Why a client request failed.
public enum ChordClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The key was refused before sending: empty, or longer than
    /// `StorageLimits.maximumKeyBytes` bytes of UTF-8. The text says which.
    case invalidKey(String)
    /// The value (of this many bytes) was refused before sending: it is longer than
    /// `StorageLimits.maximumValueBytes`.
    case valueTooLarge(Int)
    /// The node refused the request's input (`keyTooLarge`, `valueTooLarge`, `badRequest`).
    case rejected(Status)
    /// Nothing answered, retransmissions included, within the client's timeout.
    case noAnswer(after: Duration)
    /// The node answered, but the ring could not complete the request in time (the key's
    /// owner or its replicas did not answer the node): `Status.timedOut`.
    case ringTimedOut
    /// The store refused the request (`outOfSpace`, `overloaded`, `internalFailure`,
    /// `unavailable`, `unknownCommand`, ...).
    case refused(Status)
    /// The node refused the request's cluster-key authentication, or the client's: the text
    /// says which ("the node requires a cluster key", "the cluster key does not match the
    /// node's", "the node has no cluster key; run without --cluster-key-file", or that the
    /// clocks differ by more than the replay window). Such refusals are not authenticated
    /// (docs/CLIENT.md): a forger of the node's address can cause one, never a forged answer.
    case authenticationFailed(String)
    /// The node answered with a message that does not answer the request.
    case unexpectedAnswer(String)
    /// The client's socket failed (binding it, or sending).
    case socketFailure(SystemError)
    /// The client was closed before the answer came.
    case closed
    /// The waiting task was cancelled.
    case cancelled

    /// A readable description.
    public var description: String {
        switch self {
        case .invalidKey(let reason): return "invalid key: \(reason)"
        case .valueTooLarge(let count):
            return "value too large: \(count) bytes (at most \(StorageLimits.maximumValueBytes))"
        case .rejected(let status): return "rejected by the node: \(status)"
        case .noAnswer(let after): return "no answer within \(after.secondsText) s"
        case .ringTimedOut: return "the ring could not answer in time"
        case .refused(let status): return "refused: \(status)"
        case .authenticationFailed(let text): return "authentication failed: \(text)"
        case .unexpectedAnswer(let text): return "unexpected answer: \(text)"
        case .socketFailure(let error): return "socket failure: \(error)"
        case .closed: return "the client is closed"
        case .cancelled: return "cancelled"
        }
    }

    /// The error a request's answer status stands for (nil for `ok` and `notFound`, which
    /// are results).
    public init?(status: Status) {
        switch status {
        case .ok, .notFound: return nil
        case .keyTooLarge, .valueTooLarge, .badRequest: self = .rejected(status)
        case .timedOut: self = .ringTimedOut
        case .outOfSpace, .overloaded, .internalFailure, .unavailable, .unknownCommand, .notResponsible, .retryWithCookie:
            self = .refused(status)
        case .authenticationFailed:
            self = .authenticationFailed("the node refused this client's cluster-key authentication")
        case .noClusterKey:
            self = .authenticationFailed("the node has no cluster key; run without --cluster-key-file")
        }
    }
}

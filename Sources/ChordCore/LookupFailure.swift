/// Why a lookup failed.
public enum LookupFailure: Error, Sendable, Equatable {
    /// The node has not joined a ring yet.
    case notJoined
    /// No answer within the lookup deadline.
    case timedOut
    /// The hop limit was reached (a routing loop would end here).
    case hopLimit
}

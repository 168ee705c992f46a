/// The exit status the command-line tools (dht, dhtlookup) report for each failure.
extension ChordClientError {
    /// 2: rejected input (bad key or value, refused by the client or the node);
    /// 3: no answer in time (from the node, or from the ring behind it), or no usable one;
    /// 4: refused by the store (out of space, overloaded, internal failure, unavailable);
    /// 5: authentication failed (cluster key missing, wrong or unexpected, or clocks apart).
    public var exitStatus: Int32 {
        switch self {
        case .invalidKey, .valueTooLarge, .rejected: return 2
        case .noAnswer, .ringTimedOut, .unexpectedAnswer, .socketFailure, .closed, .cancelled: return 3
        case .refused: return 4
        case .authenticationFailed: return 5
        }
    }
}

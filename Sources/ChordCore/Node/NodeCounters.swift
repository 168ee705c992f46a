/// What the node has counted since it started.
public struct NodeCounters: Sendable, Equatable {
    /// Requests answered or applied.
    public var requestsHandled = 0
    /// Responses that matched an outstanding request.
    public var responsesMatched = 0
    /// Responses dropped: unknown request id, wrong source or wrong kind.
    public var responsesDropped = 0
    /// Requests sent again after a timeout.
    public var retransmissions = 0
    /// Requests that ran out of retries.
    public var rpcFailures = 0
    /// Lookups started (any purpose).
    public var lookupsStarted = 0
    /// Lookups that ended in failure.
    public var lookupsFailed = 0
    /// Peers declared dead.
    public var peersDeclaredDead = 0
    /// Replicas sent a newer version after a read found them stale (and local repairs).
    public var readRepairs = 0
    /// Client requests refused because too many were in progress.
    public var overloadRefusals = 0
    /// Retransmitted requests answered from the reply cache.
    public var repliesFromCache = 0
    /// Key transfers (hand-off, leave, repair) started, and abandoned after lost pages.
    public var transfersStarted = 0
    /// Key transfers abandoned after a page went unanswered.
    public var transfersAbandoned = 0
    /// Pages of keys sent.
    public var pagesSent = 0
    /// Anti-entropy digests sent.
    public var syncRounds = 0
    /// Anti-entropy rounds that found differences.
    public var syncRepairs = 0
    /// Runs of stale copies handed to their owner to be deleted here.
    public var retiredRuns = 0
}

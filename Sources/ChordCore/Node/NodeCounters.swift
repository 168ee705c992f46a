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
    /// Bytes of the entries sent in those pages (hand-off, anti-entropy repair, leave; key,
    /// value and 32 bytes of version and framing each): what repair costs the network.
    public var repairBytesSent = 0
    /// Anti-entropy digests sent.
    public var syncRounds = 0
    /// Anti-entropy rounds that found differences.
    public var syncRepairs = 0
    /// Runs of stale copies handed to their owner to be deleted here.
    public var retiredRuns = 0

    // MARK: Trust

    /// Datagrams dropped because the sender they name is not their source address (or an
    /// answer named no sender).
    public var forgedSenders = 0
    /// Datagrams dropped because a peer they name breaks the identity rule.
    public var wrongIdentities = 0
    /// Member messages answered "retry with cookie" instead of being acted on.
    public var cookiesDemanded = 0
    /// Requests of ours sent again because the destination gave us a (new) cookie.
    public var cookieRetries = 0
    /// Answers withheld because they would have been more than 3 times the request of an
    /// address not validated yet.
    public var answersWithheld = 0
    /// Requests refused or ignored by the per-source rate limit.
    public var rateLimited = 0
    /// Peers not taken into the predecessor, successor list or fingers because this node had
    /// not heard from them in answer to its own request.
    public var unverifiedRefused = 0
    /// Stored entries refused: sent by a node that may not send that key by this node's view
    /// of the ring, malformed, or with a version from the future.
    public var entriesRefused = 0
    /// One-way messages not sent because the destination never gave a cookie.
    public var undeliverable = 0
}

/// Tunables of one Chord node. Durations are nanoseconds (see `Nanos`).
public struct NodeConfig: Sendable {
    /// Length r of the successor list (Zave: the ring needs more than r members before
    /// r consecutive failures are survivable).
    public var successorListLength = 8
    /// Mean period of stabilize.
    public var stabilizeInterval: Int64 = Nanos.seconds(1)
    /// Mean period of fix-fingers (one finger lookup per round).
    public var fixFingersInterval: Int64 = Nanos.seconds(1)
    /// Mean period of check-predecessor.
    public var checkPredecessorInterval: Int64 = Nanos.seconds(1)
    /// Mean period of the successor check: looking our own identifier up through a random
    /// finger or a peer once declared dead, which repairs interleaved rings and merges rings
    /// after a partition heals.
    public var successorCheckInterval: Int64 = Nanos.seconds(10)
    /// How long a dead peer stays a candidate for the successor check.
    public var reunionMemory: Int64 = Nanos.seconds(1800)
    /// Periodic tasks fire at interval × (1 ± jitter), drawn from the node's seeded generator.
    public var jitter = 0.25
    /// Round-trip estimate used before any peer has been measured.
    public var initialRoundTrip: Int64 = Nanos.milliseconds(100)
    /// Lower bound of an RPC timeout (smoothed RTT + 4 × variance, then clamped).
    public var minimumTimeout: Int64 = Nanos.milliseconds(20)
    /// Upper bound of an RPC timeout (before back-off).
    public var maximumTimeout: Int64 = Nanos.seconds(2)
    /// Retransmissions of a maintenance RPC before its peer is declared dead.
    public var maintenanceRetries = 2
    /// Consecutive unanswered RPCs (of any kind) after which a peer is declared dead.
    public var suspicionThreshold = 3
    /// A lookup that has not finished by then fails with `.timedOut`.
    public var lookupDeadline: Int64 = Nanos.seconds(5)
    /// A lookup asks at most this many nodes.
    public var maximumLookupHops = 64
    /// Candidates returned in a `.closer` lookup answer.
    public var closerCandidates = 3
    /// How long a stuck lookup waits before starting over from the node's own table.
    public var lookupRestartDelay: Int64 = Nanos.milliseconds(250)
    /// Further members to join through if the bootstrap stays silent (tried in turn).
    public var fallbackBootstraps: [NodeAddress] = []
    /// How long a joining node waits before retrying a failed join.
    public var joinRetryDelay: Int64 = Nanos.seconds(1)
    /// A join attempt still unanswered after this long pings its target without naming this
    /// node, to tell a silent target from one that drops this node's requests because they
    /// come from another address than the advertised one.
    public var joinProbeDelay: Int64 = Nanos.seconds(1)
    /// A join that has not completed is reported (`NodeEvent.joinStalled`) this long after it
    /// began, then after twice as long each time, ...
    public var joinStallReport: Int64 = Nanos.seconds(5)
    /// ... but at least this often.
    public var joinStallReportLimit: Int64 = Nanos.seconds(600)

    // MARK: Storage

    /// Each key lives on its owner and the owner's next `replicas − 1` successors.
    public var replicas = 3
    /// A write is acknowledged once this many replicas (the owner included) stored it.
    public var writeQuorum = 2
    /// A read consults this many replicas (the owner included) and returns the newest.
    public var readQuorum = 2
    /// Refuse new keys beyond this many live keys (nil: no limit).
    public var maximumKeys: Int?
    /// Refuse writes that would take stored key and value bytes beyond this (nil: no limit).
    public var maximumBytes: Int?
    /// Client requests a node coordinates at once (and owner operations it carries out at
    /// once, and lookups it runs at once) before answering `overloaded`.
    public var maximumPendingClientRequests = 4096
    /// Bytes of keys and values held by the client requests a node coordinates at once (and,
    /// apart, by the owner operations it carries out) before answering `overloaded`.
    public var maximumPendingBytes = 16 << 20
    /// Whether the runner keeps the store on disk: the node then emits `Effect.persist` for
    /// every change of its store and acknowledges a write (a replica's `stored`, the owner's
    /// own copy towards the write quorum) only once `Input.durable` says it is durable.
    /// Without it the store lives in memory and nothing waits.
    public var persistent = false
    /// With `persistent`: a `store` (a replica's copy, a hand-off or repair page) is given at
    /// least this long to be answered, since its answer waits for the receiver's disk (whose
    /// sync may take far longer than a round trip on a busy machine).
    public var diskAnswerAllowance: Int64 = Nanos.milliseconds(500)
    /// The least time a `store` is given to be answered (0: the round-trip estimate decides).
    var storeAnswerTimeout: Int64 { persistent ? diskAnswerAllowance : 0 }
    /// A client request not finished by then is answered `timedOut` (clients wait 5 s).
    public var clientRequestDeadline: Int64 = Nanos.milliseconds(4500)
    /// A replica round (write acknowledgements, read answers) gives up after this.
    public var replicaDeadline: Int64 = Nanos.seconds(2)
    /// Peers the coordinator remembers as owners (0 turns the one-hop shortcut off).
    public var locationCacheSize = 1024
    /// Tombstones are kept this long (so a returning replica cannot resurrect a removed key),
    /// then collected.
    public var tombstoneLifetime: Int64 = Nanos.seconds(3600)
    /// Hand-off, repair and anti-entropy send at most this many bytes per second.
    public var repairBytesPerSecond = 4_000_000
    /// A graceful leave that has not handed every key over by then stops anyway (reported).
    public var leaveDeadline: Int64 = Nanos.seconds(8)
    /// Mean period of the anti-entropy exchange with the replicas.
    public var antiEntropyInterval: Int64 = Nanos.seconds(2)

    /// What is wrong with these settings, or nil: the quorums must be consistent, the replicas
    /// must fit the successor list (a key's replicas are its owner's successors), and lists
    /// must fit the wire format (at most 64 peers in one message, 255 hops in a trace).
    public var problem: String? {
        if !quorumsAreValid {
            return "need 1 <= W <= R, 1 <= R' <= R and W + R' > R (R \(replicas), W \(writeQuorum), R' \(readQuorum))"
        }
        if successorListLength < 1 || successorListLength > 32 { return "the successor list length must be 1...32" }
        if replicas > successorListLength + 1 {
            return "--replicas \(replicas) exceeds the successor list (\(successorListLength)) + 1"
        }
        if maximumLookupHops < 1 || maximumLookupHops > 250 { return "the lookup hop limit must be 1...250" }
        return nil
    }

    /// Whether the storage settings are consistent: 1 <= W, R' <= R and W + R' > R.
    public var quorumsAreValid: Bool {
        replicas >= 1 && writeQuorum >= 1 && readQuorum >= 1 && writeQuorum <= replicas && readQuorum <= replicas
            && writeQuorum + readQuorum > replicas
    }

    /// Added to `now` to get Unix time in nanoseconds; version timestamps use it. The UDP
    /// shell sets it at start; the simulator leaves 0 (simulated time is its wall time).
    public var wallClockOffset: Int64 = 0

    // MARK: Trust

    /// How a member's identifier follows from the address it advertises. A datagram whose
    /// sender, or any peer it names, breaks the rule is dropped.
    public var identityRule = IdentityRule.sha1OfAddressText
    /// Versions whose timestamp is further ahead of this node's clock than this are refused
    /// (nobody can pin a key with a version from the future), and the clock does not follow
    /// them.
    public var maximumClockDrift: Int64 = Nanos.seconds(60)
    /// Requests one source address may send per second before the node answers `overloaded`
    /// instead of working (a token bucket per source; 0 turns the limit off).
    public var requestsPerSourcePerSecond = 100_000
    /// Requests one source may send in a burst above that rate.
    public var requestBurstPerSource = 20_000

    /// The defaults above.
    public init() {}
}

/// How a member's identifier follows from the address it advertises (docs/PROTOCOL.md,
/// "Trust"): a node cannot choose its place on the ring, only its address.
public struct IdentityRule: Sendable {
    private let derive: @Sendable (NodeAddress) -> Identifier

    /// A rule from a derivation function.
    public init(_ derive: @escaping @Sendable (NodeAddress) -> Identifier) {
        self.derive = derive
    }

    /// SHA-1 of the address text "HOST:PORT" (`NodeAddress.description`): every real ring's rule.
    public static let sha1OfAddressText = IdentityRule { .forNode(advertising: $0.description) }

    /// The identifier a member advertising `address` must have.
    public func identifier(of address: NodeAddress) -> Identifier {
        derive(address)
    }
}

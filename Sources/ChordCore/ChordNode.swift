/// One Chord node as a pure state machine (sans-I/O).
///
/// Feed it inputs with `handle(_:now:into:)`; it appends the effects its runner must carry out
/// (send datagrams, arm its single timer, complete local requests). It never reads a clock,
/// touches a socket or draws unseeded randomness, so the simulator can run thousands of them
/// deterministically and the UDP shell can run one for real. Not thread-safe: one owner.
///
/// The protocol is Chord with Zave's corrected maintenance (see `ChordNode+Stabilize.swift`);
/// lookups are iterative (`ChordNode+Lookup.swift`); RPC timeouts and retries are the core's
/// own deadlines (`ChordNode+RPC.swift`).
public final class ChordNode {
    /// Where the node stands in its life.
    public enum Phase: Sendable, Equatable {
        /// Created, not started.
        case idle
        /// Looking for its successor through a bootstrap node.
        case joining(bootstrap: NodeAddress)
        /// A member of a ring (possibly a ring of one).
        case member
    }

    /// This node's identity.
    public let me: Peer
    /// Its tunables.
    public let config: NodeConfig
    /// Where it stands.
    public internal(set) var phase: Phase = .idle
    /// Its predecessor, if known.
    public internal(set) var predecessor: Peer?
    /// Its successor list, nearest first; empty when the node is alone in its ring. Never
    /// contains the node itself, never has duplicates, always ordered clockwise.
    public internal(set) var successors: [Peer] = [] {
        didSet {
            successorListVersion &+= 1
            if phase == .member && config.replicas > 1 && successors.prefix(config.replicas - 1) != oldValue.prefix(config.replicas - 1) {
                replicaSetMayHaveChanged()
            }
        }
    }
    /// Counts changes of the successor list (lets observers skip re-checking an unchanged list).
    public private(set) var successorListVersion: UInt64 = 0
    /// Finger i: the first node at or after `me.id + 2^i`, when known.
    public internal(set) var fingers: [Peer?] = Array(repeating: nil, count: Identifier.bitWidth) {
        didSet { distinctFingersCache = nil }
    }
    /// Distinct fingers from the highest index down, rebuilt after fingers change.
    var distinctFingersCache: [Peer]?
    /// Counters for diagnostics.
    public internal(set) var counters = NodeCounters()

    var now = Instant.zero
    var random: SeededRandom
    var roundTrips: RoundTripEstimator
    var pending: [UInt64: PendingRPC] = [:]
    var deadlines = DeadlineHeap<DeadlineKind>()
    var lookups: [UInt64: Lookup] = [:]
    var nextRequestID: UInt64
    var nextLookupID: UInt64 = 1
    var nextFingerIndex = 0
    var nextStabilize = Instant(nanoseconds: .max)
    var nextFixFingers = Instant(nanoseconds: .max)
    var nextCheckPredecessor = Instant(nanoseconds: .max)
    var nextSuccessorCheck = Instant(nanoseconds: .max)
    var armedTimer: Instant?
    var stabilizeInFlight = false
    var stabilizeDeferred = false
    var fixFingersInFlight = false
    var checkPredecessorInFlight = false
    /// Peers declared dead, by address, with when: probed by the successor check (they may be
    /// across a healed partition), and skipped in a neighbour's stale list shortly after.
    var deadPeers: [NodeAddress: (peer: Peer, since: Instant)] = [:]
    var effects: [Effect] = []
    /// While joining: members that contacted us (they knew this address from an earlier life),
    /// tried in turn with the bootstrap when it stays silent.
    var joinContacts: [NodeAddress] = []
    var joinAttempts = 0

    // MARK: Storage state

    /// The keys this node holds (owned and replicas).
    public internal(set) var store = KeyValueStore()
    var clock = HybridClock()
    var replyCache = ReplyCache()
    var locationCache: LocationCache
    var clientOperations: [UInt64: ClientOperation] = [:]
    var ownerOperations: [UInt64: OwnerOperation] = [:]
    var transfers: [UInt64: Transfer] = [:]
    var repairBudget: RepairBudget
    var nextOperationID: UInt64 = 1
    /// The last predecessor known: bounds the owned range while the predecessor is unknown.
    var lastPredecessorID: Identifier?
    /// Until then this node, a new owner, also asks its successor about keys it misses.
    var awaitingHandoffUntil: Instant?
    var isLeaving = false
    var nextAntiEntropy = Instant(nanoseconds: .max)
    var nextClientSweep = Instant(nanoseconds: .max)
    var nextTombstoneCollection = Instant(nanoseconds: .max)
    /// The replica set last synchronized (a new member in it is synchronized at once).
    var knownReplicas: [Peer] = []
    /// Replicas with an anti-entropy round open (one at a time each).
    var syncInFlight: Set<NodeAddress> = []
    /// The repair transfer on its way to each target, if any (later rounds join it).
    var repairTransfers: [NodeAddress: UInt64] = [:]
    /// Ranges owners recently synchronized with this node: it is their replica for them.
    var vouchedRanges: [NodeAddress: (lower: Identifier, upper: Identifier, at: Instant)] = [:]
    var nextRetirement = Instant(nanoseconds: .max)
    var retirementInFlight = false

    /// A node advertising `address`, whose identifier is SHA-1 of that address's text.
    public convenience init(address: NodeAddress, config: NodeConfig = NodeConfig(), seed: UInt64) {
        self.init(me: Peer(address: address), config: config, seed: seed)
    }

    /// A node with an explicit identity (tests may place nodes at chosen identifiers).
    public init(me: Peer, config: NodeConfig = NodeConfig(), seed: UInt64) {
        precondition(config.problem == nil, "invalid NodeConfig: \(config.problem ?? "")")
        self.me = me
        self.config = config
        self.random = SeededRandom(seed: seed)
        self.roundTrips = RoundTripEstimator(config: config)
        self.nextRequestID = random.next() | 1
        self.locationCache = LocationCache(capacity: config.locationCacheSize)
        self.repairBudget = RepairBudget(bytesPerSecond: config.repairBytesPerSecond)
    }

    /// Processes one input at time `now`, appending effects to `output`.
    public func handle(_ input: Input, now: Instant, into output: inout [Effect]) {
        swap(&effects, &output)
        defer { swap(&effects, &output) }
        self.now = max(self.now, now)
        switch input {
        case .start(let bootstrap):
            start(bootstrap: bootstrap)
        case .received(let envelope, let source):
            receive(envelope, from: source)
        case .timer:
            armedTimer = nil
            runDueWork()
        case .leave:
            beginLeave()
        case .request(let message, let token):
            handleClientRequest(message, requester: .local(token: token))
        case .lookup(let target, let token, let confirmOwner):
            if phase == .member {
                startLookup(target: target, purpose: .client(token: token), confirmOwner: confirmOwner, contacts: nil)
            } else {
                effects.append(.lookupCompleted(token: token, .failure(.notJoined)))
            }
        }
        armTimerIfNeeded()
    }

    /// Processes one input and returns its effects (convenient in tests).
    public func handle(_ input: Input, now: Instant) -> [Effect] {
        var output: [Effect] = []
        handle(input, now: now, into: &output)
        return output
    }

    /// The first successor, or nil when alone.
    public var successor: Peer? { successors.first }

    /// Distinct known fingers, in finger order.
    public var distinctFingers: [Peer] { fingersHighToLow.reversed() }

    /// Distinct known fingers from the highest index down (the routing order), cached.
    var fingersHighToLow: [Peer] {
        if let cached = distinctFingersCache { return cached }
        var result: [Peer] = []
        for case let finger? in fingers.reversed() where result.last != finger && !result.contains(finger) {
            result.append(finger)
        }
        distinctFingersCache = result
        return result
    }

    // MARK: Life cycle

    private func start(bootstrap: NodeAddress?) {
        guard phase == .idle else { return }
        if let bootstrap, bootstrap != me.address {
            phase = .joining(bootstrap: bootstrap)
            for fallback in config.fallbackBootstraps { noteJoinContact(fallback) }
            startLookup(target: me.id, purpose: .join, confirmOwner: false,
                        contacts: [Contact(address: bootstrap, id: nil)])
        } else {
            becomeMember()
        }
    }

    func becomeMember() {
        phase = .member
        nextStabilize = now
        nextFixFingers = now + jittered(config.fixFingersInterval)
        nextCheckPredecessor = now + jittered(config.checkPredecessorInterval)
        nextSuccessorCheck = now + jittered(config.successorCheckInterval)
        nextAntiEntropy = now + jittered(config.antiEntropyInterval)
        nextTombstoneCollection = now + jittered(config.tombstoneLifetime / 10)
        nextRetirement = now + jittered(Self.retirementInterval(config))
    }

    // MARK: Timers

    private func runDueWork() {
        if now >= nextClientSweep { sweepClientOperations() }
        while let (deadline, kind) = deadlines.popDue(at: now) {
            switch kind {
            case .rpc(let requestID):
                if let rpc = pending[requestID], rpc.deadline == deadline { rpcDeadlinePassed(requestID) }
            case .lookupRestart(let lookupID):
                restartLookup(lookupID)
            case .lookupDeadline(let lookupID):
                lookupDeadlinePassed(lookupID)
            case .joinRetry:
                retryJoin()
            case .clientRetry(let operationID):
                routeClientOperation(operationID)
            case .ownerDeadline(let operationID):
                ownerDeadlinePassed(operationID)
            case .transferResume(let transferID):
                sendNextPage(transferID)
            case .leaveDeadline:
                completeLeave(handedOff: false)
            }
        }
        if phase == .member {
            if now >= nextStabilize {
                nextStabilize = now + jittered(config.stabilizeInterval)
                stabilize()
            }
            if now >= nextFixFingers {
                nextFixFingers = now + jittered(config.fixFingersInterval)
                fixNextFinger()
            }
            if now >= nextCheckPredecessor {
                nextCheckPredecessor = now + jittered(config.checkPredecessorInterval)
                checkPredecessor()
            }
            if now >= nextSuccessorCheck {
                nextSuccessorCheck = now + jittered(config.successorCheckInterval)
                checkSuccessorThroughOthers()
            }
            if now >= nextAntiEntropy {
                nextAntiEntropy = now + jittered(config.antiEntropyInterval)
                runAntiEntropy()
            }
            if now >= nextRetirement {
                nextRetirement = now + jittered(Self.retirementInterval(config))
                retireStaleCopies()
            }
            if now >= nextTombstoneCollection {
                nextTombstoneCollection = now + jittered(config.tombstoneLifetime / 10)
                collectTombstones()
            }
        }
    }

    private func armTimerIfNeeded() {
        // Drop lazily cancelled deadlines from the top so they do not cause idle wake-ups.
        while let top = deadlines.entries.first {
            if case .rpc(let requestID) = top.payload, pending[requestID]?.deadline != top.deadline {
                _ = deadlines.popEarliest()
            } else if case .lookupDeadline(let lookupID) = top.payload, lookups[lookupID] == nil {
                _ = deadlines.popEarliest()
            } else {
                break
            }
        }
        var wake = min(deadlines.earliest ?? Instant(nanoseconds: .max), nextClientSweep)
        if phase == .member {
            wake = min(wake, nextStabilize, nextFixFingers, nextCheckPredecessor, nextSuccessorCheck, nextAntiEntropy,
                       nextTombstoneCollection, nextRetirement)
        }
        guard wake.nanoseconds != .max else { return }
        if armedTimer != wake {
            armedTimer = wake
            effects.append(.armTimer(at: wake))
        }
    }

    /// `interval` scaled by a random factor in [1 − jitter, 1 + jitter].
    func jittered(_ interval: Int64) -> Int64 {
        let factor = 1 + config.jitter * (2 * random.nextUnit() - 1)
        return max(1, Int64(Double(interval) * factor))
    }
}

extension ChordNode {
    /// A one-line summary of internal scheduling state, for debugging output.
    public var debugState: String {
        "stabilizeInFlight=\(stabilizeInFlight) pending=\(pending.count) lookups=\(lookups.count) nextStabilize=\(nextStabilize) armed=\(String(describing: armedTimer)) now=\(now)"
    }
}

/// One Chord node as a pure state machine (sans-I/O).
///
/// Feed it inputs with `handle(_:now:into:)`; it appends the effects its runner must carry out
/// (send datagrams, arm its single timer, complete local requests). It never reads a clock,
/// touches a socket or draws unseeded randomness, so the simulator can run thousands of them
/// deterministically and the UDP shell can run one for real. Not thread-safe: one owner.
///
/// The node is a few concerns, each owning its state (see docs/DESIGN.md):
/// - membership: `Ring` (phase, predecessor, successor list, fingers: the one door through
///   which peers enter or leave them), `RingMaintenance` (stabilize, rectify,
///   check-predecessor, fix-fingers, the successor check) and `Joiner`;
/// - routing: `Messenger` (requests, timeouts, retransmission, the reply cache) and `Lookups`;
/// - storage: `Storage` (the store and its versions), `Replication` (the owner's quorum
///   operations) and `Coordinator` (client operations);
/// - repair: `Repair` (hand-off, leave, anti-entropy, retirement).
///
/// This type composes them. `handle` is the single entry point; it routes each input to the
/// concern it concerns (`ChordNode+Messages.swift` for datagrams), runs the periodic tasks from
/// one table, and after each step hands news from one concern to the others in `settle()`:
/// the one place where a concern reacts to another.
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

    let context: NodeContext
    let messenger: Messenger
    let ring: Ring
    let maintenance: RingMaintenance
    let joiner: Joiner
    let lookups: Lookups
    let storage: Storage
    let replication: Replication
    let coordinator: Coordinator
    let repair: Repair
    var schedule = PeriodicSchedule()
    private var armedTimer: Instant?

    /// A node advertising `address`, whose identifier is SHA-1 of that address's text.
    public convenience init(address: NodeAddress, config: NodeConfig = NodeConfig(), seed: UInt64) {
        self.init(me: Peer(address: address), config: config, seed: seed)
    }

    /// A node with an explicit identity (tests may place nodes at chosen identifiers).
    public init(me: Peer, config: NodeConfig = NodeConfig(), seed: UInt64) {
        precondition(config.problem == nil, "invalid NodeConfig: \(config.problem ?? "")")
        context = NodeContext(me: me, config: config, seed: seed)
        messenger = Messenger(context: context)
        ring = Ring(context: context)
        maintenance = RingMaintenance(context: context, ring: ring, messenger: messenger)
        joiner = Joiner(context: context, ring: ring, maintenance: maintenance, messenger: messenger)
        lookups = Lookups(context: context, ring: ring, messenger: messenger)
        storage = Storage(context: context)
        replication = Replication(context: context, ring: ring, storage: storage, messenger: messenger)
        coordinator = Coordinator(context: context, ring: ring, lookups: lookups, replication: replication,
                                  messenger: messenger)
        repair = Repair(context: context, ring: ring, storage: storage, messenger: messenger, lookups: lookups)
    }

    // MARK: What others may see

    /// This node's identity.
    public var me: Peer { context.me }
    /// Its tunables.
    public var config: NodeConfig { context.config }
    /// Where it stands.
    public var phase: Phase { ring.phase }
    /// Its predecessor, if known.
    public var predecessor: Peer? { ring.predecessor }
    /// Its successor list, nearest first; empty when the node is alone in its ring. Never
    /// contains the node itself, never has duplicates, always ordered clockwise.
    public var successors: [Peer] { ring.successors }
    /// The first successor, or nil when alone.
    public var successor: Peer? { ring.successor }
    /// Counts changes of the successor list (lets observers skip re-checking an unchanged list).
    public var successorListVersion: UInt64 { ring.successorListVersion }
    /// Finger i: the first node at or after `me.id + 2^i`, when known.
    public var fingers: [Peer?] { ring.fingers }
    /// Distinct known fingers, in finger order.
    public var distinctFingers: [Peer] { ring.distinctFingers }
    /// Counters for diagnostics.
    public var counters: NodeCounters { context.counters }
    /// The keys this node holds (owned and replicas).
    public var store: KeyValueStore { storage.store }
    /// Whether this node owns `id`: it lies in (predecessor, self].
    public func owns(_ id: Identifier) -> Bool { ring.owns(id) }

    // MARK: The entry point

    /// Processes one input at time `now`, appending effects to `output`.
    public func handle(_ input: Input, now: Instant, into output: inout [Effect]) {
        context.swapEffects(with: &output)
        defer { context.swapEffects(with: &output) }
        context.advance(to: now)
        switch input {
        case .start(let bootstrap):
            startLookup(joiner.start(bootstrap: bootstrap))
        case .joinTargets(let addresses):
            joiner.useTargets(addresses)
        case .received(let envelope, let source):
            receive(envelope, from: source)
        case .timer:
            armedTimer = nil
            runDueWork()
        case .leave:
            repair.beginLeave()
        case .request(let message, let token):
            clientRequest(message, requester: .local(token: token))
        case .durable(let sequence):
            if storage.durable(through: sequence) { replication.durabilityAdvanced() }
        case .storageFull(let full):
            storage.diskFull(full)
        case .lookup(let target, let token, let confirmOwner):
            if ring.phase == .member {
                lookups.start(LookupRequest(target: target, purpose: .client(token: token), confirmOwner: confirmOwner))
            } else {
                context.emit(.lookupCompleted(token: token, .failure(.notJoined)))
            }
        }
        settle()
        storage.flush()
        armTimerIfNeeded()
    }

    /// Gives a node that has not started the store it recovered from disk, and the clock
    /// reading it had persisted (versions it issues from now on are above it).
    public func recover(_ store: KeyValueStore, clockHighWater: UInt64) {
        precondition(ring.phase == .idle, "recover(_:clockHighWater:) before the node starts")
        storage.recover(store, clockHighWater: clockHighWater)
    }

    /// Processes one input and returns its effects (convenient in tests).
    public func handle(_ input: Input, now: Instant) -> [Effect] {
        var output: [Effect] = []
        handle(input, now: now, into: &output)
        return output
    }

    /// A client request (get, put, remove, trace, info) from the network or a local caller.
    func clientRequest(_ message: Message, requester: ClientRequester) {
        if case .getInfo = message {
            coordinator.answer(requester, .info(nodeInfo()))
        } else {
            coordinator.handle(message, requester: requester)
        }
    }

    func startLookup(_ request: LookupRequest?) {
        if let request { lookups.start(request) }
    }

    // MARK: Reactions

    /// Hands news from one concern to the others until there is none: ring changes to repair,
    /// storage and the schedule; finished lookups to whoever asked; an owner's answers to this
    /// node's coordinator. Runs after every step, so reactions happen before the next step.
    func settle() {
        while true {
            if ring.hasChanges {
                react(to: ring.takeChanges())
            } else if let finished = lookups.takeFinished() {
                lookupFinished(finished)
            } else if let (operationID, answer) = replication.takeLocalAnswer() {
                coordinator.localOwnerAnswered(operationID, answer)
            } else if case let released = storage.takeReleasedAnswers(), !released.isEmpty {
                for (request, answer) in released { messenger.reply(to: request, with: answer) }
            } else {
                return
            }
        }
    }

    private func react(to changes: RingChanges) {
        let now = context.now
        if changes.becameMember {
            schedule.start(now: now) { self.context.jittered($0.interval(self.config)) }
            if changes.joined { storage.expectHandoff(until: now + Repair.handoffWindow, from: ring.successor) }
        }
        if changes.stabilizeSoon { schedule.runSoon(.stabilize, now: now) }
        for move in changes.predecessorMoves { repair.predecessorMoved(move) }
        if changes.replicaSetChanged { repair.replicaSetChanged() }
        if changes.peerReturned { repair.ringsMayHaveMerged() }
    }

    private func lookupFinished(_ lookup: FinishedLookup) {
        switch lookup.purpose {
        case .client(let token):
            context.emit(.lookupCompleted(token: token, lookup.outcome))
        case .fixFinger(let index):
            maintenance.fingerLookupFinished(index: index, lookup.outcome)
        case .join:
            joiner.lookupFinished(lookup.outcome)
        case .successorCheck:
            maintenance.successorCheckFinished(lookup.outcome)
        case .clientOperation(let operationID):
            coordinator.lookupFinished(operationID, lookup.outcome)
        case .retire(let first):
            repair.retirementLookupFinished(from: first, lookup.outcome)
        case .trace(let requester):
            coordinator.traceFinished(requester, lookup)
        case .confirmMember(let peer):
            let atPeer: Bool
            if case .success(let result) = lookup.outcome { atPeer = result.owner == peer } else { atPeer = false }
            ring.confirmationEnded(peer, atPeer: atPeer)
        }
    }

    // MARK: Timers

    /// Due deadlines first (each handed to its concern), then the periodic tasks from the
    /// schedule, each once, in table order.
    private func runDueWork() {
        coordinator.sweepIfDue()
        settle()
        while let (deadline, due) = context.popDueDeadline() {
            deadlinePassed(due, at: deadline)
            settle()
        }
        guard ring.phase == .member else { return }
        for task in PeriodicTask.allCases
        where schedule.takeIfDue(task, now: context.now, interval: { context.jittered(task.interval(config)) }) {
            run(task)
            settle()
        }
    }

    private func deadlinePassed(_ due: Deadline, at deadline: Instant) {
        switch due {
        case .rpc(let requestID):
            if let expiry = messenger.deadlinePassed(requestID, at: deadline) { requestExpired(expiry) }
        case .lookupRestart(let lookupID):
            lookups.restart(lookupID)
        case .lookupDeadline(let lookupID):
            lookups.deadlinePassed(lookupID)
        case .joinRetry:
            startLookup(joiner.retry())
        case .joinProbe(let attempt):
            joiner.probeIfSilent(attempt: attempt)
        case .joinStallReport:
            joiner.reportStall()
        case .clientRetry(let operationID):
            coordinator.route(operationID)
        case .ownerDeadline(let operationID):
            replication.deadlinePassed(operationID)
        case .transferResume(let transferID):
            repair.sendNextPage(transferID)
        case .leaveDeadline:
            repair.completeLeave(handedOff: false)
        }
    }

    /// The one dispatch of periodic work.
    private func run(_ task: PeriodicTask) {
        switch task {
        case .stabilize: maintenance.stabilize()
        case .fixFingers: startLookup(maintenance.nextFingerLookup())
        case .checkPredecessor: maintenance.checkPredecessor()
        case .successorCheck: startLookup(maintenance.successorCheckLookup())
        case .antiEntropy: repair.runAntiEntropy()
        case .tombstoneCollection: storage.collectTombstones()
        case .retirement: repair.retireStaleCopies()
        }
    }

    private func armTimerIfNeeded() {
        // Drop lazily cancelled deadlines from the top so they do not cause idle wake-ups.
        while let top = context.earliestDeadline {
            if case .rpc(let requestID) = top.payload, !messenger.isWaiting(requestID, until: top.deadline) {
                context.dropEarliestDeadline()
            } else if case .lookupDeadline(let lookupID) = top.payload, !lookups.isRunning(lookupID) {
                context.dropEarliestDeadline()
            } else {
                break
            }
        }
        var wake = min(context.earliestDeadline?.deadline ?? .never, coordinator.nextSweep)
        if ring.phase == .member { wake = min(wake, schedule.earliest) }
        guard wake != .never else { return }
        if armedTimer != wake {
            armedTimer = wake
            context.emit(.armTimer(at: wake))
        }
    }

    // MARK: Describing this node

    /// This node's view of the ring and its store.
    func nodeInfo() -> NodeInfo {
        let store = storage.store
        let counts: (owned: Int, other: Int)
        if let lower = ring.predecessor?.id ?? ring.lastPredecessorID {
            counts = store.liveCounts(ownedFrom: lower, to: me.id)
        } else if ring.successors.isEmpty {
            counts = (store.liveCount, 0)
        } else {
            counts = (0, store.liveCount)
        }
        return NodeInfo(predecessor: ring.predecessor, successors: ring.successors, fingers: ring.distinctFingers,
                        ownedKeys: UInt64(counts.owned), replicaKeys: UInt64(counts.other),
                        tombstones: UInt64(store.tombstoneCount), storedBytes: UInt64(store.byteCount))
    }

    /// A one-line summary of internal scheduling state, for debugging output.
    public var debugState: String {
        "stabilizeInFlight=\(maintenance.stabilizeInFlight) pending=\(messenger.outstanding) lookups=\(lookups.count) "
            + "nextStabilize=\(schedule.next(.stabilize)) armed=\(String(describing: armedTimer)) now=\(context.now)"
    }
}

/// Keeping every key on its R replicas while the ring changes: hand-off to a new predecessor,
/// a graceful leave, anti-entropy with the replicas, and retiring copies a node no longer
/// replicates. Keys move in acknowledged, datagram-sized pages (`Transfer`) on a shared repair
/// budget, so a churn storm does not become a packet storm.
///
/// `ChordNode` tells it when the ring changed under it (`predecessorMoved`,
/// `replicaSetChanged`); the periodic rounds (`runAntiEntropy`, `retireStaleCopies`) come from
/// the node's schedule.
final class Repair {
    private let context: NodeContext
    private let ring: Ring
    private let storage: Storage
    private let messenger: Messenger
    private let lookups: Lookups
    private var me: Peer { context.me }
    private var config: NodeConfig { context.config }

    private var transfers: [UInt64: Transfer] = [:]
    private var nextTransferID: UInt64 = 1
    private var budget: RepairBudget
    /// The replica set last synchronized (a new member in it is synchronized at once).
    private(set) var knownReplicas: [Peer] = []
    /// Replicas with an anti-entropy round open (one at a time each).
    private var syncInFlight: Set<NodeAddress> = []
    /// The repair transfer on its way to each target, if any (later rounds join it).
    private var repairTransfers: [NodeAddress: UInt64] = [:]
    /// Ranges owners recently synchronized with this node: it is their replica for them.
    private var vouchedRanges = BoundedDictionary<NodeAddress, (lower: Identifier, upper: Identifier, at: Instant)>(
        capacity: Repair.maximumVouchers)
    private var retirementInFlight = false
    /// This retirement round's stale copies not yet handed on, ascending: the round walks the
    /// ring once, one owner's run after another.
    private var retirementQueue: [Identifier] = []
    /// Owners handed stale copies in this round, and whether it copies every key not owned
    /// here and deletes nothing.
    private var retirementRuns = 0
    private var retirementCopiesOnly = false
    /// Anti-entropy rounds that also run a retirement round, after the rings may have merged.
    private var eagerRetirementRounds = 0
    /// A graceful leave is under way.
    private(set) var isLeaving = false

    /// Largest page payload (entries), leaving room for headers within one datagram.
    static let pageBytes = 60_000
    /// Most entries in one page.
    static let pageEntries = 512
    /// How long a new owner also asks its successor about keys it misses.
    static let handoffWindow = Nanos.seconds(15)
    /// Most owners whose vouching is remembered (each member that synchronizes with this node).
    static let maximumVouchers = 256
    /// Most transfers at once; a repair push beyond it waits for the next anti-entropy round.
    static let maximumTransfers = 256
    /// Most owners one retirement round hands stale copies to (one lookup each).
    static let maximumRetirementRuns = 64
    /// After a peer once declared dead answers again, this many anti-entropy rounds also
    /// retire stale copies (the ring is reshaping for about that long).
    static let eagerRetirementAfterMerge = 15

    init(context: NodeContext, ring: Ring, storage: Storage, messenger: Messenger, lookups: Lookups) {
        self.context = context
        self.ring = ring
        self.storage = storage
        self.messenger = messenger
        self.lookups = lookups
        self.budget = RepairBudget(bytesPerSecond: context.config.repairBytesPerSecond)
    }

    // MARK: The ring changed

    /// The predecessor moved: if the new one joined between it and us, it now owns
    /// (lower, new] and gets those keys; if our range grew, its keys are on their way. Either
    /// way every replica is brought up to date with the new range at once.
    func predecessorMoved(_ move: PredecessorMove) {
        let (lower, new) = (move.lower, move.to)
        if new.id != lower {
            // The owned range changed: bring every replica up to date with it now, and while
            // that happens read from all of them.
            if !new.id.isInOpenInterval(lower, me.id) { storage.expectHandoff(until: context.now + Self.handoffWindow) }
            for replica in ring.replicas { synchronize(with: replica) }
        }
        guard new.id.isInOpenInterval(lower, me.id) else { return }
        let moving = storage.store.identifiers(in: lower, new.id)
        guard !moving.isEmpty else { return }
        // With replication this node stays a replica of the range (it is the new owner's
        // successor), so the keys are copied; with one replica they move.
        startTransfer(to: new, reason: .handoff, identifiers: moving, deleteAfterwards: config.replicas == 1)
    }

    /// The first R − 1 successors changed: bring the new ones up to date at once.
    func replicaSetChanged() {
        let replicas = Array(ring.replicas)
        for replica in replicas where !knownReplicas.contains(replica) { synchronize(with: replica) }
        knownReplicas = replicas
    }

    // MARK: Transfers

    @discardableResult
    private func startTransfer(to target: Peer, reason: Transfer.Reason, identifiers: [Identifier],
                               deleteAfterwards: Bool) -> UInt64 {
        let transferID = nextTransferID
        nextTransferID += 1
        transfers[transferID] = Transfer(target: target, reason: reason, identifiers: identifiers,
                                         deleteAfterwards: deleteAfterwards)
        context.counters.transfersStarted += 1
        sendNextPage(transferID)
        return transferID
    }

    /// Sends the transfer's next page, or finishes it.
    func sendNextPage(_ transferID: UInt64) {
        guard let transfer = transfers[transferID], transfer.inFlight.isEmpty else { return }
        var page: [StoredEntry] = []
        var bytes = 0
        var index = transfer.cursor
        while index < transfer.identifiers.count && page.count < Self.pageEntries {
            let id = transfer.identifiers[index]
            if let item = storage.store.item(id) {
                let size = item.byteCount + 32
                if !page.isEmpty && bytes + size > Self.pageBytes { break }
                page.append(item.entry)
                transfer.inFlight.append((id, item.version))
                bytes += size
            }
            index += 1
        }
        guard !page.isEmpty else {
            transfer.cursor = index
            finishTransfer(transferID)
            return
        }
        if transfer.reason != .leave, let later = budget.spend(bytes, now: context.now) {
            transfer.inFlight = []
            context.schedule(.transferResume(transferID: transferID), at: later)
            return
        }
        transfer.cursor = index
        context.counters.pagesSent += 1
        context.counters.repairBytesSent += bytes
        messenger.request(.store(entries: page), to: transfer.target.address, peer: transfer.target, retries: 4,
                          purpose: .transferPage(transferID: transferID),
                          minimumTimeout: config.storeAnswerTimeout)
    }

    /// The target acknowledged a page.
    func pageAcknowledged(_ transferID: UInt64) {
        guard let transfer = transfers[transferID] else { return }
        if transfer.deleteAfterwards {
            for (id, version) in transfer.inFlight where !isResponsible(for: id) { storage.delete(id, ifStill: version) }
        }
        transfer.inFlight = []
        sendNextPage(transferID)
    }

    /// A page went unanswered through its retries: give up (anti-entropy will catch up).
    func pageLost(_ transferID: UInt64) {
        guard let transfer = transfers[transferID] else { return }
        transfer.abandoned = true
        context.counters.transfersAbandoned += 1
        finishTransfer(transferID)
    }

    private func finishTransfer(_ transferID: UInt64) {
        guard let transfer = transfers.removeValue(forKey: transferID) else { return }
        if repairTransfers[transfer.target.address] == transferID { repairTransfers.removeValue(forKey: transfer.target.address) }
        if transfer.reason == .leave { completeLeave(handedOff: !transfer.abandoned) }
    }

    // MARK: Leaving

    /// Graceful leave: tell the successor first (it takes over the range at once), then the
    /// predecessor, then hand every key to the successor; done when the last page is
    /// acknowledged or the leave deadline passes.
    func beginLeave() {
        guard ring.phase == .member, !isLeaving, let successor = ring.successor else {
            context.emit(.leaveCompleted(handedOff: storage.store.liveCount + storage.store.tombstoneCount == 0))
            return
        }
        isLeaving = true
        let news = Message.leaving(predecessor: ring.predecessor, successors: ring.successors)
        messenger.oneWay(news, to: successor.address)
        if let predecessor = ring.predecessor, predecessor.id != successor.id {
            messenger.oneWay(news, to: predecessor.address)
        }
        context.schedule(.leaveDeadline, at: context.now + config.leaveDeadline)
        startTransfer(to: successor, reason: .leave, identifiers: storage.store.allIdentifiers, deleteAfterwards: false)
    }

    /// The leave is over: every key handed over (or not, when a page was lost or the deadline
    /// passed).
    func completeLeave(handedOff: Bool) {
        guard isLeaving, ring.phase == .member else { return }
        ring.leaveRing()
        context.emit(.leaveCompleted(handedOff: handedOff))
    }

    // MARK: Anti-entropy

    /// Anti-entropy: a key range's owner and its replicas converge after lost messages,
    /// crashes and partitions, and a range that changed hands gets back to R copies.
    ///
    /// Now and then (and at once when a new node enters its first R − 1 successors) the owner
    /// of (predecessor, self] sends each replica the digests of the store's buckets over that
    /// range. The replica answers which buckets differ and pushes its own entries in them to
    /// the owner; the owner pushes its entries in them to the replica. Newer versions win on
    /// both sides, so both end up with the newest of everything. Digests are small, and a
    /// replica that restarted empty under the same identifier is noticed by nothing else.
    func runAntiEntropy() {
        for replica in ring.replicas { synchronize(with: replica) }
        if eagerRetirementRounds > 0 {
            eagerRetirementRounds -= 1
            retireStaleCopies(copyingAllNotOwned: true)
        }
    }

    /// A peer once declared dead answered again: two rings that formed during a partition
    /// may be merging. Each side's writes sit on the nodes that were that side's owners and
    /// replicas, many of which replicate nothing of those ranges in the merged ring, and the
    /// owners' anti-entropy never asks them; they still count as vouched for (by owners from
    /// before the merge) for a while, so retirement leaves them too. Without more, a write
    /// acknowledged on one side stays hidden behind the other side's older copies for
    /// minutes, and the read-back calls it lost. So for a while every anti-entropy round
    /// also copies every key this node does not own to its owner (skipping owners this node
    /// replicates for), where the newer version wins; nothing is deleted by these rounds
    /// (deleting is for retirement, with vouching, which guards replicas during churn).
    func ringsMayHaveMerged() {
        eagerRetirementRounds = Self.eagerRetirementAfterMerge
    }

    /// Sends `replica` the digests of the owned range (unless a round with it is still open,
    /// or keys are still on their way to it: rounds must not pile up behind a slow transfer).
    func synchronize(with replica: Peer) {
        guard ring.phase == .member, !isLeaving, let lower = ring.ownedRangeLowerBound else { return }
        guard !syncInFlight.contains(replica.address), repairTransfers[replica.address] == nil else { return }
        syncInFlight.insert(replica.address)
        let buckets = KeyValueStore.buckets(in: lower, me.id)
        let digests = buckets.map { storage.store.digest(ofBucket: $0, within: lower, me.id) }
        context.counters.syncRounds += 1
        messenger.request(.syncDigest(lower: lower, upper: me.id, digests: digests), to: replica.address, peer: replica,
                          retries: 1, purpose: .syncDigest(replica: replica, lower: lower, upper: me.id))
    }

    /// As replica: which buckets over (lower, upper] differ from the owner's digests. The
    /// entries here in those buckets go to the owner. The owner vouches for this node as a
    /// replica of that range (see `retireStaleCopies`).
    func answerDigest(from owner: Peer, _ lower: Identifier, _ upper: Identifier, _ digests: [UInt64]) -> [UInt16] {
        vouchedRanges.set((lower, upper, context.now), for: owner.address)
        let differing = differingBuckets(lower, upper, digests)
        if !differing.isEmpty {
            pushBuckets(differing, within: lower, upper, to: owner)
        }
        return differing
    }

    /// Buckets over (lower, upper] whose digests here differ from `digests` (one per bucket of
    /// `KeyValueStore.buckets(in:_:)`, in that order).
    private func differingBuckets(_ lower: Identifier, _ upper: Identifier, _ digests: [UInt64]) -> [UInt16] {
        let buckets = KeyValueStore.buckets(in: lower, upper)
        guard buckets.count == digests.count else { return buckets.map { UInt16($0) } }
        var differing: [UInt16] = []
        for (bucket, digest) in zip(buckets, digests)
        where storage.store.digest(ofBucket: bucket, within: lower, upper) != digest {
            differing.append(UInt16(bucket))
        }
        return differing
    }

    /// As owner: the replica reported differing buckets; push ours in them.
    func differencesReceived(from replica: Peer, lower: Identifier, upper: Identifier, buckets: [UInt16]) {
        syncInFlight.remove(replica.address)
        guard !buckets.isEmpty else { return }
        context.counters.syncRepairs += 1
        pushBuckets(buckets, within: lower, upper, to: replica)
    }

    /// A digest went unanswered: the round with that replica is over.
    func digestLost(to replica: Peer) {
        syncInFlight.remove(replica.address)
    }

    /// Pushes the entries of some buckets to `target`: into the repair transfer already on its
    /// way there, if any (so rounds never stack transfers), else a new one.
    private func pushBuckets(_ buckets: [UInt16], within lower: Identifier, _ upper: Identifier, to target: Peer) {
        var identifiers: [Identifier] = []
        for bucket in buckets where Int(bucket) < KeyValueStore.bucketCount {
            identifiers.append(contentsOf: storage.store.identifiers(inBucket: Int(bucket), within: lower, upper))
        }
        guard !identifiers.isEmpty else { return }
        if let transferID = repairTransfers[target.address], let transfer = transfers[transferID] {
            transfer.append(identifiers)
            return
        }
        guard transfers.count < Self.maximumTransfers else { return }
        repairTransfers[target.address] = startTransfer(to: target, reason: .repair, identifiers: identifiers,
                                                        deleteAfterwards: false)
    }

    // MARK: Retiring stale copies

    /// How long an owner's vouching counts: thirty of its anti-entropy rounds (an owner skips
    /// rounds with a replica while keys are still on their way to it).
    private var vouchingLifetime: Int64 { 30 * config.antiEntropyInterval }

    /// Whether this node should keep `id`: it owns it, or an owner vouched lately for this node
    /// as a replica of a range holding it.
    private func isResponsible(for id: Identifier) -> Bool {
        if ring.owns(id) { return true }
        for range in vouchedRanges.values where context.now - range.at <= vouchingLifetime
            && id.isInHalfOpenInterval(range.lower, range.upper) {
            return true
        }
        return false
    }

    /// Retiring stale copies: a node keeps only the keys it owns or replicates.
    ///
    /// A node drops out of a range's replica set when nodes join in front of it (or held a key
    /// as a fallback replica, or received everything from a leaving neighbour). Its copies then
    /// go stale, and once tombstones are collected an old copy could bring a removed key back.
    /// So an owner's anti-entropy digest vouches for its replicas; now and then each node looks
    /// at the keys it neither owns nor holds for an owner that vouched for it lately, hands
    /// them to their owner (a lookup finds it) and, once acknowledged, deletes them.
    /// Retirement finishes in minutes, long before tombstones are collected (an hour).
    ///
    /// With `copyingAllNotOwned` (after rings may have merged), the round takes every key
    /// this node does not own, vouched for or not, and copies without deleting.
    func retireStaleCopies(copyingAllNotOwned: Bool = false) {
        guard ring.phase == .member, !isLeaving, !retirementInFlight else { return }
        let now = context.now
        vouchedRanges.filter { _, range in now - range.at <= vouchingLifetime }
        retirementCopiesOnly = copyingAllNotOwned
        retirementQueue = storage.store.allIdentifiers.filter(isStale).sorted()
        retirementRuns = 0
        retireNextRun()
    }

    /// Whether this round hands `id` on.
    private func isStale(_ id: Identifier) -> Bool {
        retirementCopiesOnly ? !ring.owns(id) : !isResponsible(for: id)
    }

    /// Looks up the owner of the next stale copy of the round (if any is left, and the round
    /// has runs left).
    private func retireNextRun() {
        guard ring.phase == .member, !isLeaving, retirementRuns < Self.maximumRetirementRuns else {
            retirementQueue = []
            return
        }
        while let first = retirementQueue.first, storage.store.item(first) == nil || !isStale(first) {
            retirementQueue.removeFirst()
        }
        guard let first = retirementQueue.first else { return }
        retirementRuns += 1
        retirementInFlight = true
        lookups.start(LookupRequest(target: first, purpose: .retire(from: first), confirmOwner: true))
    }

    /// The owner of the first stale copy is known: hand it every stale copy it owns, i.e. those
    /// from `first` up to the owner (no node lies in between).
    func retirementLookupFinished(from first: Identifier, _ outcome: Result<LookupResult, LookupFailure>) {
        retirementInFlight = false
        guard case .success(let result) = outcome else {
            retirementQueue = []
            return
        }
        // The run: the round's stale copies from `first` (the queue's head: the queue is
        // ascending) up to the owner, or to the queue's end when the run wraps past zero.
        let owner = result.owner.id
        let count = owner < first ? retirementQueue.count : retirementQueue.prefix { $0 <= owner }.count
        let run = retirementQueue.prefix(count).filter { storage.store.item($0) != nil && isStale($0) }
        retirementQueue.removeFirst(count)
        handOn(run, to: result)
        retireNextRun()
    }

    /// Hands a run of stale copies to the owner `result` found, unless this node is the owner
    /// or one of its replicas after all.
    private func handOn(_ run: [Identifier], to result: LookupResult) {
        let owner = result.owner
        // If this node is the owner or one of its replicas after all, vouching will catch up.
        guard owner.id != me.id, !result.successors.prefix(config.replicas - 1).contains(where: { $0.id == me.id }) else {
            return
        }
        guard !run.isEmpty else { return }
        context.counters.retiredRuns += 1
        startTransfer(to: owner, reason: .retire, identifiers: run, deleteAfterwards: !retirementCopiesOnly)
    }

    // MARK: Test fixtures

    /// Counts `replicas` as already synchronized (tests that build a ring by hand).
    func install(knownReplicas replicas: [Peer]) {
        knownReplicas = replicas
    }
}

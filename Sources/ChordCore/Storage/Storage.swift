/// The keys this node holds (owned and replicas), their versions, and the replica's side of
/// storage traffic.
///
/// Owns the key-value store and the hybrid clock that versions writes: only the methods here
/// change them. The owner's quorum logic (`Replication`), repair's transfers and anti-entropy
/// (`Repair`) and the coordinator (`Coordinator`) go through these methods.
final class Storage {
    /// The keys held.
    private(set) var store = KeyValueStore()
    private var clock: HybridClock
    /// Until then this node, a new owner, also asks its successors about keys it misses.
    private var awaitingHandoffUntil: Instant?
    private var handoffSourcePeer: Peer?
    /// With `NodeConfig.persistent`: changes of the store not yet handed to the runner.
    private var unpersisted: [PersistRecord] = []
    /// The last batch handed to the runner, and the last one it reported durable.
    private var issuedSequence: UInt64 = 0
    private var durableSequence: UInt64 = 0
    /// Answers to `store` requests, each waiting for a batch to be durable.
    private var heldAnswers: [(sequence: UInt64, request: Messenger.Inbound, answer: Message)] = []
    /// Answers whose batch became durable, for `ChordNode` to send.
    private var releasedAnswers: [(request: Messenger.Inbound, answer: Message)] = []

    private let context: NodeContext
    private var config: NodeConfig { context.config }

    init(context: NodeContext) {
        self.context = context
        self.clock = HybridClock(maximumDrift: context.config.maximumClockDrift)
    }

    // MARK: Reading

    /// The item stored for a key, if its bytes match.
    func item(_ keyID: Identifier, key: [UInt8]) -> KeyValueStore.Item? {
        guard let item = store.item(keyID), item.key.elementsEqual(key) else { return nil }
        return item
    }

    /// What this node holds for a key (a replica answering its owner's fetch).
    func fetchEntry(_ key: [UInt8]) -> StoredEntry? {
        item(.forKey(bytes: key), key: key)?.entry
    }

    /// Whether a new owner is still waiting for its keys to arrive.
    var isAwaitingHandoff: Bool {
        guard let until = awaitingHandoffUntil else { return false }
        return context.now < until
    }

    // MARK: Writing

    /// Keeps `entry` if it is newer than what is held; returns whether it was kept.
    @discardableResult
    func apply(_ entry: StoredEntry, id: Identifier) -> Bool {
        guard store.apply(entry, id: id) else { return false }
        if config.persistent { unpersisted.append(.entry(entry)) }
        return true
    }

    /// Entries from another member (replication, read repair, hand-off, anti-entropy): keep
    /// the newer ones and move the clock past their versions. An entry is refused when it is
    /// not well formed (`isAcceptable`) or when `mayHold` says its sender may not send that
    /// key. Quotas are not applied here: refusing would lose data being handed over. Returns
    /// how many were kept and how many refused.
    func storeEntries(_ entries: [StoredEntry], mayHold: (Identifier) -> Bool) -> (kept: Int, refused: Int) {
        var kept = 0
        var refused = 0
        for entry in entries {
            let id = Identifier.forKey(bytes: entry.key)
            guard isAcceptable(entry), mayHold(id) else {
                refused += 1
                continue
            }
            observe(entry.version)
            if apply(entry, id: id) { kept += 1 }
        }
        context.counters.entriesRefused += refused
        return (kept, refused)
    }

    /// Whether an entry from elsewhere may be stored: its key and value within the limits,
    /// and its version not from the future (further ahead of this node's clock than the drift
    /// bound), so that no one can pin a key with a version every later write loses to.
    func isAcceptable(_ entry: StoredEntry) -> Bool {
        guard !entry.key.isEmpty, entry.key.count <= StorageLimits.maximumKeyBytes,
              (entry.value?.count ?? 0) <= StorageLimits.maximumValueBytes else { return false }
        return clock.isPlausible(entry.version.timestamp, wallMilliseconds: wallMilliseconds)
    }

    /// Deletes `id` if it still holds `version` (a transfer moved it elsewhere meanwhile).
    func delete(_ id: Identifier, ifStill version: Version) {
        if let item = store.item(id), item.version == version { erase(id, key: item.key) }
    }

    private func erase(_ id: Identifier, key: ArraySlice<UInt8>) {
        store.delete(id)
        if config.persistent { unpersisted.append(.erase(key: Array(key))) }
    }

    /// Collects tombstones older than their lifetime: by then every replica has long had them.
    func collectTombstones() {
        let horizon = HybridClock.physical(wallMilliseconds: wallMilliseconds - config.tombstoneLifetime / Nanos.milliseconds(1))
        for id in store.tombstones(olderThan: horizon) {
            if let item = store.item(id) { erase(id, key: item.key) }
        }
    }

    /// This node took over a range whose keys are on their way: reads ask every replica
    /// until `instant`, and `source` too (the node that held the range until now, when
    /// known): a node that comes back with a store recovered from disk may hold old versions,
    /// and so may its replicas if they were down with it.
    func expectHandoff(until instant: Instant, from source: Peer? = nil) {
        awaitingHandoffUntil = instant
        handoffSourcePeer = source
    }

    /// `peer` is leaving the ring: it can no longer be asked about this node's range.
    func forgetHandoffSource(_ peer: Peer) {
        if handoffSourcePeer == peer { handoffSourcePeer = nil }
    }

    /// The node handing this one its range, while `isAwaitingHandoff`.
    var handoffSource: Peer? { isAwaitingHandoff ? handoffSourcePeer : nil }

    // MARK: Durability

    /// A store recovered from disk, before the node starts: its entries, and a clock that
    /// never issues a version below `clockHighWater` (the last one persisted).
    func recover(_ recovered: KeyValueStore, clockHighWater: UInt64) {
        store = recovered
        clock.restore(highWater: clockHighWater)
    }

    /// The batch that must be durable before an answer depending on the store as it is now
    /// may go out: the batch being collected, or the last one issued.
    var barrier: UInt64 { unpersisted.isEmpty ? issuedSequence : issuedSequence + 1 }

    /// Whether batch `sequence` is durable (always, without `NodeConfig.persistent`).
    func isDurable(_ sequence: UInt64) -> Bool { sequence <= durableSequence }

    /// Whether everything this node holds now is durable.
    var isAllDurable: Bool { isDurable(barrier) }

    /// Answers held at most: beyond, a `store` is applied but not answered (its sender
    /// retries, and is answered once the disk has caught up), so a slow disk under a stream
    /// of stores cannot grow the node without bound.
    static let maximumHeldAnswers = 16_384

    /// Keeps `answer` to a `store` request until what this node holds now is durable.
    func hold(_ answer: Message, to request: Messenger.Inbound) {
        guard heldAnswers.count < Self.maximumHeldAnswers else { return }
        heldAnswers.append((barrier, request, answer))
    }

    /// Hands the changes collected in this step to the runner, as one batch.
    func flush() {
        guard !unpersisted.isEmpty else { return }
        issuedSequence += 1
        context.emit(.persist(PersistBatch(sequence: issuedSequence, records: unpersisted, clockHighWater: clock.last)))
        unpersisted.removeAll(keepingCapacity: true)
    }

    /// The runner made batches up to `sequence` durable; returns whether that was news.
    func durable(through sequence: UInt64) -> Bool {
        let sequence = min(sequence, issuedSequence)
        guard sequence > durableSequence else { return false }
        durableSequence = sequence
        let released = heldAnswers.prefix { $0.sequence <= sequence }
        releasedAnswers += released.map { ($0.request, $0.answer) }
        heldAnswers.removeFirst(released.count)
        return true
    }

    /// Takes the answers whose batch became durable.
    func takeReleasedAnswers() -> [(request: Messenger.Inbound, answer: Message)] {
        defer { releasedAnswers.removeAll() }
        return releasedAnswers
    }

    // MARK: Versions

    /// Wall-clock milliseconds since 1970, for version timestamps.
    private var wallMilliseconds: Int64 { (context.now.nanoseconds &+ config.wallClockOffset) / Nanos.milliseconds(1) }

    /// A fresh version for a write accepted now, newer than `existing` (the key's current
    /// version here) even if that came from a clock too far ahead for the node's own clock to
    /// follow: a write after a read of the key always wins.
    func nextVersion(after existing: Version? = nil) -> Version {
        var timestamp = clock.next(wallMilliseconds: wallMilliseconds)
        if let existing, existing.timestamp >= timestamp { timestamp = existing.timestamp == .max ? .max : existing.timestamp + 1 }
        return Version(timestamp: timestamp, writer: context.me.id.low)
    }

    /// Moves the clock past a version seen from elsewhere (unless implausibly far ahead).
    func observe(_ version: Version) {
        clock.observe(version.timestamp, wallMilliseconds: wallMilliseconds)
    }

    // MARK: Limits

    /// Whether the runner says the disk is nearly full (`Input.storageFull`).
    private(set) var isDiskFull = false

    /// The disk became nearly full, or has room again.
    func diskFull(_ full: Bool) {
        isDiskFull = full
    }

    /// `.outOfSpace` if storing this value would break a quota or the disk is nearly full,
    /// else nil.
    func quotaRefusal(key: [UInt8], value: [UInt8], existing: KeyValueStore.Item?) -> Status? {
        if isDiskFull { return .outOfSpace }
        let isNew = existing == nil || existing!.isTombstone
        if let maximumKeys = config.maximumKeys, isNew, store.liveCount >= maximumKeys { return .outOfSpace }
        if let maximumBytes = config.maximumBytes {
            let growth = key.count + value.count - (existing?.byteCount ?? 0)
            if growth > 0 && store.byteCount + growth > maximumBytes { return .outOfSpace }
        }
        return nil
    }
}

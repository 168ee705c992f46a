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
        store.apply(entry, id: id)
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
            if store.apply(entry, id: id) { kept += 1 }
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
        if let item = store.item(id), item.version == version { store.delete(id) }
    }

    /// Collects tombstones older than their lifetime: by then every replica has long had them.
    func collectTombstones() {
        let horizon = HybridClock.physical(wallMilliseconds: wallMilliseconds - config.tombstoneLifetime / Nanos.milliseconds(1))
        for id in store.tombstones(olderThan: horizon) { store.delete(id) }
    }

    /// This node took over a range whose keys are on their way: reads ask every replica
    /// until `instant`.
    func expectHandoff(until instant: Instant) {
        awaitingHandoffUntil = instant
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

    /// `.outOfSpace` if storing this value would break a quota, else nil.
    func quotaRefusal(key: [UInt8], value: [UInt8], existing: KeyValueStore.Item?) -> Status? {
        let isNew = existing == nil || existing!.isTombstone
        if let maximumKeys = config.maximumKeys, isNew, store.liveCount >= maximumKeys { return .outOfSpace }
        if let maximumBytes = config.maximumBytes {
            let growth = key.count + value.count - (existing?.byteCount ?? 0)
            if growth > 0 && store.byteCount + growth > maximumBytes { return .outOfSpace }
        }
        return nil
    }
}

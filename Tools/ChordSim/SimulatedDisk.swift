import ChordCore

/// One simulated host's disk (`Simulation.disksEnabled`): what the node asked to persist, and
/// what has been synced.
///
/// A node's `persist` batches queue up; one sync at a time takes every batch queued when it
/// starts (group commit) and, `syncLatency` later, makes them durable and tells the node. A
/// crash loses the queued and in-flight batches (the unsynced tail); the synced store survives
/// and is what the host's next incarnation recovers.
struct SimulatedDisk {
    /// The store as of the last finished sync, and the clock reading persisted with it.
    private(set) var durable = KeyValueStore()
    private(set) var clockHighWater: UInt64 = 0
    /// Batches written, not yet in a sync.
    private var queued: [PersistBatch] = []
    /// Batches in the sync in flight.
    private var syncing: [PersistBatch] = []
    /// Batches made durable, and batches lost to crashes.
    private(set) var batchesSynced = 0
    private(set) var batchesLost = 0

    /// Whether a sync is in flight.
    var isSyncing: Bool { !syncing.isEmpty }

    /// The node asked for `batch` to be persisted; returns whether a sync should start now.
    mutating func write(_ batch: PersistBatch) -> Bool {
        queued.append(batch)
        return !isSyncing
    }

    /// Starts a sync of every queued batch.
    mutating func startSync() {
        syncing = queued
        queued.removeAll()
    }

    /// The sync in flight finished: its batches are durable. Returns the last batch's
    /// sequence (for the node) and whether another sync should start.
    mutating func finishSync() -> (through: UInt64?, more: Bool) {
        for batch in syncing {
            for record in batch.records {
                switch record {
                case .entry(let entry): durable.apply(entry, id: .forKey(bytes: entry.key))
                case .erase(let key): durable.delete(.forKey(bytes: key))
                }
            }
            clockHighWater = max(clockHighWater, batch.clockHighWater)
        }
        batchesSynced += syncing.count
        let through = syncing.last?.sequence
        syncing.removeAll()
        return (through, !queued.isEmpty)
    }

    /// The host crashed: whatever was not synced is gone.
    mutating func crash() {
        batchesLost += queued.count + syncing.count
        queued.removeAll()
        syncing.removeAll()
    }
}

/// Changes of a node's store, in the order they happened, for its runner to make durable
/// (`Effect.persist`). Replaying every batch in sequence order onto an empty store, or onto a
/// snapshot taken after batch n and then batches n + 1 onwards, gives the store the node had.
public struct PersistBatch: Sendable, Equatable {
    /// 1 for the node's first batch since it started, then one more for each.
    public let sequence: UInt64
    /// The changes, oldest first.
    public let records: [PersistRecord]
    /// The hybrid clock's reading when the batch was made: at least every version the node had
    /// issued by then. Restored on recovery, so versions never go backwards across restarts.
    public let clockHighWater: UInt64

    /// A batch.
    public init(sequence: UInt64, records: [PersistRecord], clockHighWater: UInt64) {
        self.sequence = sequence
        self.records = records
        self.clockHighWater = clockHighWater
    }
}

/// One change of the store.
public enum PersistRecord: Sendable, Equatable {
    /// The key now holds this entry (a value, or a tombstone when its value is nil).
    case entry(StoredEntry)
    /// The key is no longer held (moved to other nodes, or a tombstone collected).
    case erase(key: [UInt8])
}

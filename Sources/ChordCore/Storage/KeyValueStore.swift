/// A node's stored keys: values and tombstones with their versions.
///
/// Entries are keyed by the key's identifier (SHA-1 of the key; two keys colliding is as
/// likely as two nodes doing so, and a read checks the key bytes anyway) and split into 4,096
/// buckets by the identifier's top 12 bits, which makes range scans (hand-off, anti-entropy,
/// counting what a node owns) touch only the buckets a range covers. A bucket keeps its
/// entries sorted by identifier in a flat array and their bytes in one arena, so a key costs
/// 48 bytes besides its own (100,000 keys of 100-byte values fit in well under 3x their size),
/// and results come in identifier order with no Dictionary to iterate. Each bucket keeps an
/// order-independent digest of its entries, updated on every change, for anti-entropy.
public struct KeyValueStore: Sendable {
    /// One stored key, copied out of the store.
    public struct Item: Sendable {
        /// The key's bytes followed by the value's bytes.
        var blob: [UInt8]
        var keyLength: UInt16
        /// True for a tombstone (the key was removed; `blob` holds only the key).
        public let isTombstone: Bool
        /// The write this is.
        public let version: Version

        /// The key's bytes.
        public var key: ArraySlice<UInt8> { blob[0..<Int(keyLength)] }
        /// The value, or nil for a tombstone.
        public var value: [UInt8]? { isTombstone ? nil : Array(blob[Int(keyLength)...]) }
        /// Bytes held for this entry (key and value).
        public var byteCount: Int { blob.count }

        /// The entry as sent on the wire.
        public var entry: StoredEntry { StoredEntry(key: Array(key), value: value, version: version) }
    }

    /// What the store keeps per key besides its bytes: 48 bytes.
    struct Slot {
        var id: Identifier
        var version: Version
        /// Where the key and value bytes start in the bucket's arena.
        var offset: UInt32
        /// Key length (11 bits), value length (17 bits) and the tombstone flag (bit 31).
        var packed: UInt32

        init(id: Identifier, version: Version, offset: UInt32, keyLength: Int, valueLength: Int, isTombstone: Bool) {
            self.id = id
            self.version = version
            self.offset = offset
            self.packed = UInt32(keyLength) | UInt32(valueLength) << 11 | (isTombstone ? 1 << 31 : 0)
        }

        var keyLength: UInt16 { UInt16(packed & 0x7FF) }
        var length: UInt32 { (packed & 0x7FF) + (packed >> 11 & 0x1_FFFF) }
        var isTombstone: Bool { packed & (1 << 31) != 0 }
    }

    /// One bucket: slots sorted by identifier, and one arena holding every key and value
    /// (one allocation per bucket instead of per key; superseded bytes are reclaimed when they
    /// make up half the arena).
    struct Bucket {
        var slots: [Slot] = []
        var arena: [UInt8] = []
        var garbage = 0

        func position(of id: Identifier) -> (index: Int, found: Bool) {
            var low = 0, high = slots.count
            while low < high {
                let mid = (low + high) / 2
                if slots[mid].id < id { low = mid + 1 } else { high = mid }
            }
            return (low, low < slots.count && slots[low].id == id)
        }

        func bytes(of slot: Slot) -> [UInt8] {
            Array(arena[Int(slot.offset)..<Int(slot.offset + slot.length)])
        }

        /// Grows the arrays by an eighth (bytes) or a quarter (slots) when full, not by doubling:
        /// a store of small values would be mostly slack otherwise.
        mutating func reserve(bytes: Int, slots extraSlots: Int) {
            if arena.count + bytes > arena.capacity {
                arena.reserveCapacity(arena.count + bytes + max(arena.count / 8, 64))
            }
            if slots.count + extraSlots > slots.capacity {
                slots.reserveCapacity(slots.count + extraSlots + max(slots.count / 4, 2))
            }
        }

        mutating func compactIfWasteful() {
            guard garbage > 4096 && garbage * 2 > arena.count else { return }
            var packed: [UInt8] = []
            packed.reserveCapacity(arena.count - garbage)
            for index in slots.indices {
                let start = Int(slots[index].offset)
                slots[index].offset = UInt32(packed.count)
                packed.append(contentsOf: arena[start..<(start + Int(slots[index].length))])
            }
            arena = packed
            garbage = 0
        }
    }

    /// Number of buckets (the top 12 bits of an identifier).
    public static let bucketCount = 4096

    private var buckets: [Bucket] = Array(repeating: Bucket(), count: bucketCount)
    /// Per bucket: XOR of `entryDigest` over its entries.
    public private(set) var bucketDigests = [UInt64](repeating: 0, count: bucketCount)
    /// Live (non-tombstone) entries.
    public private(set) var liveCount = 0
    /// Tombstones.
    public private(set) var tombstoneCount = 0
    /// Bytes of keys and values held (tombstones count their key).
    public private(set) var byteCount = 0

    /// An empty store.
    public init() {}

    /// The bucket an identifier falls in.
    @inlinable
    public static func bucket(of id: Identifier) -> Int { Int(truncatingIfNeeded: id.high >> 20) }

    /// The item stored under `id`, if any.
    public func item(_ id: Identifier) -> Item? {
        let bucket = buckets[Self.bucket(of: id)]
        let (index, found) = bucket.position(of: id)
        guard found else { return nil }
        let slot = bucket.slots[index]
        return Item(blob: bucket.bytes(of: slot), keyLength: slot.keyLength, isTombstone: slot.isTombstone,
                    version: slot.version)
    }

    /// The version stored under `id`, if any (without copying the bytes).
    public func version(_ id: Identifier) -> Version? {
        let bucket = buckets[Self.bucket(of: id)]
        let (index, found) = bucket.position(of: id)
        return found ? bucket.slots[index].version : nil
    }

    /// Stores `entry` under `id` if it is newer than what is held; returns whether it was.
    @discardableResult
    public mutating func apply(_ entry: StoredEntry, id: Identifier) -> Bool {
        let bucketIndex = Self.bucket(of: id)
        let (index, found) = buckets[bucketIndex].position(of: id)
        if found {
            let existing = buckets[bucketIndex].slots[index]
            guard entry.version > existing.version else { return false }
            account(existing, bucket: bucketIndex, sign: -1)
            buckets[bucketIndex].garbage += Int(existing.length)
        }
        let length = entry.key.count + (entry.value?.count ?? 0)
        let slot = Slot(id: id, version: entry.version, offset: UInt32(buckets[bucketIndex].arena.count),
                        keyLength: entry.key.count, valueLength: entry.value?.count ?? 0, isTombstone: entry.value == nil)
        buckets[bucketIndex].reserve(bytes: length, slots: found ? 0 : 1)
        buckets[bucketIndex].arena.append(contentsOf: entry.key)
        if let value = entry.value { buckets[bucketIndex].arena.append(contentsOf: value) }
        if found {
            buckets[bucketIndex].slots[index] = slot
        } else {
            buckets[bucketIndex].slots.insert(slot, at: index)
        }
        account(slot, bucket: bucketIndex, sign: 1)
        buckets[bucketIndex].compactIfWasteful()
        return true
    }

    /// Deletes whatever is held under `id` (garbage collection, a completed move).
    public mutating func delete(_ id: Identifier) {
        let bucketIndex = Self.bucket(of: id)
        let (index, found) = buckets[bucketIndex].position(of: id)
        guard found else { return }
        let existing = buckets[bucketIndex].slots.remove(at: index)
        account(existing, bucket: bucketIndex, sign: -1)
        buckets[bucketIndex].garbage += Int(existing.length)
        buckets[bucketIndex].compactIfWasteful()
    }

    private mutating func account(_ slot: Slot, bucket: Int, sign: Int) {
        bucketDigests[bucket] ^= Self.entryDigest(id: slot.id, version: slot.version, tombstone: slot.isTombstone)
        if slot.isTombstone { tombstoneCount += sign } else { liveCount += sign }
        byteCount += sign * Int(slot.length)
    }

    /// The digest of one entry: a mix of its identifier and version.
    public static func entryDigest(id: Identifier, version: Version, tombstone: Bool) -> UInt64 {
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15
        for word in [id.high, id.middle, id.low, version.timestamp, version.writer, tombstone ? 1 : 0] {
            hash = (hash ^ word) &* 0xBF58_476D_1CE4_E5B9
            hash ^= hash >> 31
        }
        return hash
    }

    /// The buckets that hold identifiers in (lower, upper], in ring order from `lower`.
    public static func buckets(in lower: Identifier, _ upper: Identifier) -> [Int] {
        let first = bucket(of: lower), last = bucket(of: upper)
        if lower == upper || (upper < lower && first == last) { return Array(first..<bucketCount) + Array(0..<first) }
        if first <= last { return Array(first...last) }
        return Array(first..<bucketCount) + Array(0...last)
    }

    /// Identifiers held in (lower, upper], clockwise from `lower`.
    public func identifiers(in lower: Identifier, _ upper: Identifier) -> [Identifier] {
        var result: [Identifier] = []
        // When the range comes back round into lower's own bucket, the identifiers there at or
        // before lower are its far end: they go last (lower itself, the upper end, last of all).
        var wrapped: [Identifier] = []
        for (position, bucket) in Self.buckets(in: lower, upper).enumerated() {
            var inBucket = buckets[bucket].slots.map(\.id).filter { $0.isInHalfOpenInterval(lower, upper) }
            if position == 0 {
                wrapped = inBucket.filter { $0 <= lower }
                inBucket.removeAll { $0 <= lower }
            }
            result.append(contentsOf: inBucket)  // slots are sorted, and so in clockwise order here
        }
        return result + wrapped
    }

    /// Identifiers held in one bucket that also lie in (lower, upper], in identifier order.
    public func identifiers(inBucket bucket: Int, within lower: Identifier, _ upper: Identifier) -> [Identifier] {
        buckets[bucket].slots.map(\.id).filter { $0.isInHalfOpenInterval(lower, upper) }
    }

    /// The digest of one bucket restricted to (lower, upper] (the whole bucket when it lies
    /// inside the range, computed afresh for a bucket the range cuts).
    public func digest(ofBucket bucket: Int, within lower: Identifier, _ upper: Identifier) -> UInt64 {
        let slots = buckets[bucket].slots
        if slots.isEmpty { return 0 }
        let bucketStart = Identifier(high: UInt64(bucket) << 20, middle: 0, low: 0)
        let bucketEnd = Identifier(high: UInt64(bucket) << 20 | 0xF_FFFF, middle: .max, low: .max)
        if lower == upper
            || (bucketStart.isInHalfOpenInterval(lower, upper) && bucketEnd.isInHalfOpenInterval(lower, upper)
                && lower.distance(to: bucketStart) <= lower.distance(to: bucketEnd)) {
            return bucketDigests[bucket]
        }
        var digest: UInt64 = 0
        for slot in slots where slot.id.isInHalfOpenInterval(lower, upper) {
            digest ^= Self.entryDigest(id: slot.id, version: slot.version, tombstone: slot.isTombstone)
        }
        return digest
    }

    /// Counts of live entries in (lower, upper] (what a node owns) and elsewhere.
    public func liveCounts(ownedFrom lower: Identifier, to upper: Identifier) -> (owned: Int, other: Int) {
        var owned = 0
        for bucket in Self.buckets(in: lower, upper) {
            for slot in buckets[bucket].slots where !slot.isTombstone && slot.id.isInHalfOpenInterval(lower, upper) {
                owned += 1
            }
        }
        return (owned, liveCount - owned)
    }

    /// Tombstones whose version is older than `timestamp`, in identifier order.
    public func tombstones(olderThan timestamp: UInt64) -> [Identifier] {
        var result: [Identifier] = []
        for bucket in buckets {
            for slot in bucket.slots where slot.isTombstone && slot.version.timestamp < timestamp { result.append(slot.id) }
        }
        return result
    }

    /// Calls `body` with every entry held (values and tombstones), in identifier order: what
    /// a snapshot of the store writes.
    public func forEachEntry(_ body: (StoredEntry) -> Void) {
        for bucket in buckets {
            for slot in bucket.slots {
                let start = Int(slot.offset), keyEnd = start + Int(slot.keyLength), end = start + Int(slot.length)
                body(StoredEntry(key: Array(bucket.arena[start..<keyEnd]),
                                 value: slot.isTombstone ? nil : Array(bucket.arena[keyEnd..<end]), version: slot.version))
            }
        }
    }

    /// Every identifier held, in identifier order.
    public var allIdentifiers: [Identifier] {
        var result: [Identifier] = []
        result.reserveCapacity(liveCount + tombstoneCount)
        for bucket in buckets { result.append(contentsOf: bucket.slots.map(\.id)) }
        return result
    }
}

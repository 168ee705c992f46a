/// A node's stored keys: values and tombstones with their versions.
///
/// Entries are keyed by the key's identifier (SHA-1 of the key; two keys colliding is as
/// likely as two nodes doing so, and a read checks the key bytes anyway) and split into 4,096
/// buckets by the identifier's top 12 bits, which makes range scans (hand-off, anti-entropy,
/// counting what a node owns) touch only the buckets a range covers. Each bucket keeps an
/// order-independent digest of its entries, updated on every change, for anti-entropy.
/// Nothing here iterates a Dictionary without sorting: results are in identifier order.
public struct KeyValueStore: Sendable {
    /// One stored key.
    public struct Item: Sendable {
        /// The key's bytes followed by the value's bytes (one allocation for both).
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

    /// Number of buckets (the top 12 bits of an identifier).
    public static let bucketCount = 4096

    private var buckets: [[Identifier: Item]] = Array(repeating: [:], count: bucketCount)
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
    public func item(_ id: Identifier) -> Item? { buckets[Self.bucket(of: id)][id] }

    /// Stores `entry` under `id` if it is newer than what is held; returns whether it was.
    @discardableResult
    public mutating func apply(_ entry: StoredEntry, id: Identifier) -> Bool {
        let bucket = Self.bucket(of: id)
        if let existing = buckets[bucket][id] {
            guard entry.version > existing.version else { return false }
            account(existing, id: id, bucket: bucket, sign: -1)
        }
        var blob = entry.key
        if let value = entry.value { blob.append(contentsOf: value) }
        let item = Item(blob: blob, keyLength: UInt16(entry.key.count), isTombstone: entry.value == nil,
                        version: entry.version)
        buckets[bucket][id] = item
        account(item, id: id, bucket: bucket, sign: 1)
        return true
    }

    /// Deletes whatever is held under `id` (garbage collection, a completed move).
    public mutating func delete(_ id: Identifier) {
        let bucket = Self.bucket(of: id)
        if let existing = buckets[bucket].removeValue(forKey: id) {
            account(existing, id: id, bucket: bucket, sign: -1)
        }
    }

    private mutating func account(_ item: Item, id: Identifier, bucket: Int, sign: Int) {
        bucketDigests[bucket] ^= Self.entryDigest(id: id, version: item.version, tombstone: item.isTombstone)
        if item.isTombstone { tombstoneCount += sign } else { liveCount += sign }
        byteCount += sign * item.byteCount
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
            var inBucket = buckets[bucket].keys.filter { $0.isInHalfOpenInterval(lower, upper) }
            if position == 0 {
                wrapped = inBucket.filter { $0 <= lower }.sorted()
                inBucket.removeAll { $0 <= lower }
            }
            inBucket.sort { lower.distance(to: $0) < lower.distance(to: $1) }
            result.append(contentsOf: inBucket)
        }
        return result + wrapped
    }

    /// Identifiers held in one bucket that also lie in (lower, upper], in identifier order.
    public func identifiers(inBucket bucket: Int, within lower: Identifier, _ upper: Identifier) -> [Identifier] {
        buckets[bucket].keys.filter { $0.isInHalfOpenInterval(lower, upper) }.sorted()
    }

    /// The digest of one bucket restricted to (lower, upper] (the whole bucket when it lies
    /// inside the range, computed afresh for a bucket the range cuts).
    public func digest(ofBucket bucket: Int, within lower: Identifier, _ upper: Identifier) -> UInt64 {
        let items = buckets[bucket]
        if items.isEmpty { return 0 }
        let bucketStart = Identifier(high: UInt64(bucket) << 20, middle: 0, low: 0)
        let bucketEnd = Identifier(high: UInt64(bucket) << 20 | 0xF_FFFF, middle: .max, low: .max)
        if lower == upper
            || (bucketStart.isInHalfOpenInterval(lower, upper) && bucketEnd.isInHalfOpenInterval(lower, upper)
                && lower.distance(to: bucketStart) <= lower.distance(to: bucketEnd)) {
            return bucketDigests[bucket]
        }
        var digest: UInt64 = 0
        for (id, item) in items where id.isInHalfOpenInterval(lower, upper) {
            digest ^= Self.entryDigest(id: id, version: item.version, tombstone: item.isTombstone)
        }
        return digest
    }

    /// Counts of live entries in (lower, upper] (what a node owns) and elsewhere.
    public func liveCounts(ownedFrom lower: Identifier, to upper: Identifier) -> (owned: Int, other: Int) {
        var owned = 0
        for bucket in Self.buckets(in: lower, upper) {
            for (id, item) in buckets[bucket] where !item.isTombstone && id.isInHalfOpenInterval(lower, upper) {
                owned += 1
            }
        }
        return (owned, liveCount - owned)
    }

    /// Tombstones whose version is older than `timestamp`, in identifier order.
    public func tombstones(olderThan timestamp: UInt64) -> [Identifier] {
        var result: [Identifier] = []
        for bucket in buckets where !bucket.isEmpty {
            for (id, item) in bucket where item.isTombstone && item.version.timestamp < timestamp {
                result.append(id)
            }
        }
        return result.sorted()
    }

    /// Every identifier held, in identifier order.
    public var allIdentifiers: [Identifier] {
        var result: [Identifier] = []
        result.reserveCapacity(liveCount + tombstoneCount)
        for bucket in buckets where !bucket.isEmpty { result.append(contentsOf: bucket.keys.sorted()) }
        return result
    }
}

import Testing
@testable import ChordCore

/// An identifier in `bucket` (its top 12 bits) at `offset` within it.
private func id(bucket: Int, _ offset: UInt64) -> Identifier {
    Identifier(high: UInt64(bucket) << 20 | offset, middle: 0, low: 0)
}

private func version(_ milliseconds: UInt64, writer: UInt64 = 1) -> Version {
    Version(timestamp: milliseconds << 16, writer: writer)
}

/// An entry with a short key; `value` nil is a tombstone.
private func item(_ key: String, _ value: String?, _ milliseconds: UInt64, writer: UInt64 = 1) -> StoredEntry {
    StoredEntry(key: Array(key.utf8), value: value.map { Array($0.utf8) }, version: version(milliseconds, writer: writer))
}

/// A store holding a value (version 1) under each identifier.
private func filledStore(holding ids: [Identifier]) -> KeyValueStore {
    var store = KeyValueStore()
    for (index, id) in ids.enumerated() { store.apply(item("k\(index)", "v", 1), id: id) }
    return store
}

/// `store.apply` outside `#expect` (which cannot call a mutating method).
private func apply(_ store: inout KeyValueStore, _ entry: StoredEntry, id: Identifier) -> Bool {
    store.apply(entry, id: id)
}

private func digest(of store: KeyValueStore, _ ids: [Identifier]) -> UInt64 {
    ids.reduce(0) { result, id in
        let item = store.item(id)!
        return result ^ KeyValueStore.entryDigest(id: id, version: item.version, tombstone: item.isTombstone)
    }
}

@Suite("KeyValueStore")
struct KeyValueStoreTests {
    // MARK: Versions

    @Test func applyKeepsTheNewerVersionOnly() throws {
        var store = KeyValueStore()
        let key = id(bucket: 3, 1)
        #expect(apply(&store, item("a", "two", 2), id: key))
        #expect(!apply(&store, item("a", "one", 1), id: key))  // older: ignored
        #expect(!apply(&store, item("a", "also two", 2), id: key))  // the same version: ignored
        let held = try #require(store.item(key))
        #expect(held.value == Array("two".utf8))
        #expect(held.version == version(2))
        #expect(apply(&store, item("a", "three", 2, writer: 9), id: key))  // same time, higher writer
        #expect(store.item(key)?.value == Array("three".utf8))
        #expect(store.liveCount == 1 && store.tombstoneCount == 0)
        #expect(store.byteCount == 1 + 5)
    }

    @Test func tombstoneReplacesValueAndIsCounted() throws {
        var store = KeyValueStore()
        let key = id(bucket: 3, 1)
        store.apply(item("key", "value", 1), id: key)
        #expect(apply(&store, item("key", nil, 2), id: key))
        let held = try #require(store.item(key))
        #expect(held.isTombstone)
        #expect(held.value == nil)
        #expect(held.key.elementsEqual("key".utf8))
        #expect(held.entry == item("key", nil, 2))
        #expect(store.liveCount == 0 && store.tombstoneCount == 1)
        #expect(store.byteCount == 3)  // a tombstone keeps its key
        // An older value cannot resurrect the key.
        #expect(!apply(&store, item("key", "old", 1), id: key))
        #expect(store.item(key)?.isTombstone == true)
    }

    @Test func newerValueReplacesTombstone() {
        var store = KeyValueStore()
        let key = id(bucket: 3, 1)
        store.apply(item("key", nil, 1), id: key)
        #expect(apply(&store, item("key", "back", 2), id: key))
        #expect(store.item(key)?.value == Array("back".utf8))
        #expect(store.liveCount == 1 && store.tombstoneCount == 0)
        #expect(store.byteCount == 7)
    }

    @Test func deleteRemovesTheEntryAndItsAccounting() {
        var store = KeyValueStore()
        let live = id(bucket: 5, 1), dead = id(bucket: 5, 2)
        store.apply(item("live", "value", 1), id: live)
        store.apply(item("dead", nil, 1), id: dead)
        store.delete(live)
        #expect(store.item(live) == nil)
        #expect(store.liveCount == 0 && store.tombstoneCount == 1 && store.byteCount == 4)
        store.delete(dead)
        store.delete(dead)  // deleting what is not there changes nothing
        #expect(store.item(dead) == nil)
        #expect(store.liveCount == 0 && store.tombstoneCount == 0 && store.byteCount == 0)
        #expect(store.bucketDigests[5] == 0)
        #expect(store.allIdentifiers.isEmpty)
    }

    // MARK: Digests

    @Test func bucketDigestChangesWithEveryEntryChange() {
        var store = KeyValueStore()
        let key = id(bucket: 7, 1)
        var seen: [UInt64] = [store.bucketDigests[7]]
        store.apply(item("a", "one", 1), id: key)
        seen.append(store.bucketDigests[7])
        store.apply(item("a", "two", 2), id: key)  // newer version
        seen.append(store.bucketDigests[7])
        store.apply(item("a", nil, 3), id: key)  // tombstone
        seen.append(store.bucketDigests[7])
        store.apply(item("b", "x", 1), id: id(bucket: 7, 2))  // another entry in the bucket
        seen.append(store.bucketDigests[7])
        #expect(Set(seen).count == seen.count)
        // Tombstone or value at the same version digest differently.
        #expect(KeyValueStore.entryDigest(id: key, version: version(4), tombstone: true)
                != KeyValueStore.entryDigest(id: key, version: version(4), tombstone: false))
        // Other buckets are untouched; deleting everything returns to zero.
        #expect(store.bucketDigests.enumerated().allSatisfy { $0.offset == 7 || $0.element == 0 })
        store.delete(key)
        store.delete(id(bucket: 7, 2))
        #expect(store.bucketDigests[7] == 0)
    }

    @Test func bucketDigestsAreOrderIndependent() {
        let entries = [(id(bucket: 9, 1), item("a", "1", 1)), (id(bucket: 9, 2), item("b", nil, 2)),
                       (id(bucket: 9, 3), item("c", "3", 3)), (id(bucket: 10, 1), item("d", "4", 4))]
        var forward = KeyValueStore(), backward = KeyValueStore()
        for (key, entry) in entries { forward.apply(entry, id: key) }
        for (key, entry) in entries.reversed() { backward.apply(entry, id: key) }
        #expect(forward.bucketDigests == backward.bucketDigests)
        // Reaching the same contents through an older version first changes nothing either.
        backward.delete(id(bucket: 9, 1))
        backward.apply(item("a", "0", 0), id: id(bucket: 9, 1))
        backward.apply(item("a", "1", 1), id: id(bucket: 9, 1))
        #expect(forward.bucketDigests == backward.bucketDigests)
        #expect(forward.bucketDigests[9] == digest(of: forward, entries.prefix(3).map(\.0)))
    }

    @Test func digestOfBucketInsideRangeIsTheBucketDigest() {
        let ids = [id(bucket: 20, 1), id(bucket: 20, 0xF_FFFF)]
        let store = filledStore(holding: ids + [id(bucket: 21, 1)])
        #expect(store.digest(ofBucket: 20, within: id(bucket: 19, 5), id(bucket: 21, 0)) == store.bucketDigests[20])
        #expect(store.digest(ofBucket: 20, within: id(bucket: 300, 0), id(bucket: 300, 0)) == store.bucketDigests[20])
        #expect(store.digest(ofBucket: 20, within: id(bucket: 19, 5), id(bucket: 21, 0)) == digest(of: store, ids))
        #expect(store.digest(ofBucket: 22, within: id(bucket: 19, 5), id(bucket: 23, 0)) == 0)  // empty
    }

    @Test func digestOfCutBucketIsXorOfEntriesInRange() {
        let one = id(bucket: 40, 1), two = id(bucket: 40, 2), three = id(bucket: 40, 3), four = id(bucket: 40, 4)
        let store = filledStore(holding: [one, two, three, four])
        // Cut at the end: (bucket 39, two].
        #expect(store.digest(ofBucket: 40, within: id(bucket: 39, 9), two) == digest(of: store, [one, two]))
        // Cut at the start: (two, bucket 41].
        #expect(store.digest(ofBucket: 40, within: two, id(bucket: 41, 0)) == digest(of: store, [three, four]))
        // Cut at both ends, inside the bucket: (one, three].
        #expect(store.digest(ofBucket: 40, within: one, three) == digest(of: store, [two, three]))
        // Wrapping inside the bucket, (three, two]: everything but three.
        #expect(store.digest(ofBucket: 40, within: three, two) == digest(of: store, [four, one, two]))
        // A range that misses the bucket's entries.
        #expect(store.digest(ofBucket: 40, within: four, id(bucket: 40, 9)) == 0)
    }

    // MARK: Ranges

    @Test func identifiersInNormalRange() {
        let inside = [id(bucket: 1, 5), id(bucket: 1, 9), id(bucket: 2, 0), id(bucket: 3, 7)]
        let store = filledStore(holding: [id(bucket: 1, 4), id(bucket: 3, 8), id(bucket: 4000, 0)] + inside.reversed())
        // (lower, upper]: lower excluded, upper included, in clockwise (here numeric) order.
        #expect(store.identifiers(in: id(bucket: 1, 4), id(bucket: 3, 7)) == inside)
        #expect(store.identifiers(in: id(bucket: 1, 5), id(bucket: 1, 9)) == [id(bucket: 1, 9)])
        #expect(store.identifiers(in: id(bucket: 5, 0), id(bucket: 6, 0)).isEmpty)
    }

    @Test func identifiersInWrappingRange() {
        let store = filledStore(holding: [id(bucket: 10, 0), id(bucket: 4000, 1), id(bucket: 4095, 0xF_FFFF), id(bucket: 0, 0),
                                    id(bucket: 0, 1), id(bucket: 5, 3), id(bucket: 3999, 0)])
        // (4000:0, 5:3] wraps past zero: clockwise from its lower end.
        #expect(store.identifiers(in: id(bucket: 4000, 0), id(bucket: 5, 3))
                == [id(bucket: 4000, 1), id(bucket: 4095, 0xF_FFFF), id(bucket: 0, 0), id(bucket: 0, 1), id(bucket: 5, 3)])
        // Wrapping back into the lower end's own bucket: (5:3, 5:2] is everything but 5:3.
        let store2 = store2Holding()
        #expect(store2.identifiers(in: id(bucket: 5, 3), id(bucket: 5, 2))
                == [id(bucket: 5, 4), id(bucket: 6, 0), id(bucket: 0, 0), id(bucket: 5, 1), id(bucket: 5, 2)])
    }

    private func store2Holding() -> KeyValueStore {
        filledStore(holding: [id(bucket: 5, 1), id(bucket: 5, 2), id(bucket: 5, 3), id(bucket: 5, 4), id(bucket: 6, 0),
                        id(bucket: 0, 0)])
    }

    @Test func identifiersOfWholeRing() {
        // lower == upper: the whole ring, clockwise from lower (lower itself, the upper end, last).
        let store = store2Holding()
        #expect(store.identifiers(in: id(bucket: 5, 3), id(bucket: 5, 3))
                == [id(bucket: 5, 4), id(bucket: 6, 0), id(bucket: 0, 0), id(bucket: 5, 1), id(bucket: 5, 2), id(bucket: 5, 3)])
        #expect(Set(store.identifiers(in: .zero, .zero)) == Set(store.allIdentifiers))
        #expect(store.allIdentifiers == store.allIdentifiers.sorted())
        #expect(store.allIdentifiers.count == 6)
    }

    @Test func bucketsOfNormalRange() {
        #expect(KeyValueStore.buckets(in: id(bucket: 7, 1), id(bucket: 7, 9)) == [7])
        #expect(KeyValueStore.buckets(in: id(bucket: 7, 1), id(bucket: 10, 0)) == [7, 8, 9, 10])
        #expect(KeyValueStore.buckets(in: .zero, .max) == Array(0..<4096))
    }

    @Test func bucketsOfWrappingRange() {
        // Across zero, between different buckets.
        #expect(KeyValueStore.buckets(in: id(bucket: 4094, 0), id(bucket: 2, 0)) == [4094, 4095, 0, 1, 2])
        #expect(KeyValueStore.buckets(in: .max, .zero) == [4095, 0])
        // Back into the lower end's own bucket: every bucket, starting there.
        let around = KeyValueStore.buckets(in: id(bucket: 100, 5), id(bucket: 100, 4))
        #expect(around == Array(100..<4096) + Array(0..<100))
        // The whole ring (lower == upper): every bucket once, starting at lower's.
        #expect(KeyValueStore.buckets(in: id(bucket: 100, 5), id(bucket: 100, 5)) == around)
        #expect(KeyValueStore.buckets(in: .zero, .zero) == Array(0..<4096))
    }

    // MARK: Counting

    @Test func liveCountsSplitOwnedFromOther() {
        var store = KeyValueStore()
        store.apply(item("a", "1", 1), id: id(bucket: 10, 1))  // owned
        store.apply(item("b", "2", 1), id: id(bucket: 12, 1))  // owned
        store.apply(item("c", nil, 1), id: id(bucket: 11, 1))  // owned, but a tombstone
        store.apply(item("d", "4", 1), id: id(bucket: 30, 1))  // elsewhere
        store.apply(item("e", nil, 1), id: id(bucket: 31, 1))  // elsewhere, a tombstone
        #expect(store.liveCounts(ownedFrom: id(bucket: 10, 0), to: id(bucket: 20, 0)) == (2, 1))
        #expect(store.liveCounts(ownedFrom: id(bucket: 20, 0), to: id(bucket: 10, 0)) == (1, 2))  // wrapping
        #expect(store.liveCounts(ownedFrom: id(bucket: 10, 1), to: id(bucket: 10, 1)) == (3, 0))  // whole ring
        #expect(store.liveCounts(ownedFrom: id(bucket: 12, 1), to: id(bucket: 30, 0)) == (0, 3))
        #expect(store.liveCount == 3 && store.tombstoneCount == 2)
    }
}

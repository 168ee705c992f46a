import Testing
@testable import ChordCore

// Four nodes: C owns (B, C] and replicates to D and A (three replicas, W = 2).
private let a = ringPeer(1101, top: 0x4000_0000)
private let b = ringPeer(1102, top: 0x8000_0000)
private let c = ringPeer(1103, top: 0xC000_0000)
private let d = ringPeer(1104, top: 0xF000_0000)
private let cKeys = keys(in: b.id, c.id, count: 3, prefix: "durable")

/// A, B, C, D keeping their stores on (manually synced) disks.
private func persistentRing(replicas: Int = 3, writeQuorum: Int = 2) -> ManualNetwork {
    var config = NodeConfig.storage(replicas: replicas, writeQuorum: writeQuorum, readQuorum: replicas + 1 - writeQuorum)
    config.persistent = true
    let net = ManualNetwork()
    net.storageRing([a, b, c, d], config: config)
    return net
}

extension ManualNetwork {
    /// The batches `peer` asked to persist, in order.
    func batches(of peer: Peer) -> [PersistBatch] {
        log.filter { $0.node == peer.address }.compactMap {
            if case .persist(let batch) = $0.effect { batch } else { nil }
        }
    }

    /// Tells `peer` that everything it asked to persist is durable, then delivers what that released.
    func syncAll(_ peer: Peer) {
        guard let last = batches(of: peer).last else { return }
        handle(.durable(through: last.sequence), at: peer)
        runUntilQuiet()
    }
}

@Suite("Durability: acknowledgements wait for the disk")
struct DurabilityTests {
    @Test func writeIsAnsweredOnlyOnceOwnerAndAReplicaAreDurable() {
        let net = persistentRing()
        let key = cKeys[0]
        net.handle(.request(.put(key: bytes(key), value: bytes("kept")), token: 7), at: c)
        net.runUntilQuiet()
        // Every holder stored the write and asked for it to be persisted...
        for holder in [c, d, a] {
            #expect(net[holder].value(key) == "kept")
            #expect(net.batches(of: holder).last?.records == [.entry(net[c].held(key)!)])
        }
        // ...but no replica acknowledged it and the client has no answer.
        #expect(net.sent(from: d, to: c) { $0 == .stored(count: 1) }.isEmpty)
        #expect(net.answer(7, at: c) == nil)
        // One replica durable: W = 2 counts the owner's own copy, which is not durable yet.
        net.syncAll(d)
        #expect(net.sent(from: d, to: c) { $0 == .stored(count: 1) }.count == 1)
        #expect(net.answer(7, at: c) == nil)
        net.syncAll(c)
        #expect(net.answer(7, at: c) == .result(status: .ok, value: nil))
    }

    @Test func ownerDurableFirstWaitsForAReplica() {
        let net = persistentRing()
        net.handle(.request(.put(key: bytes(cKeys[1]), value: bytes("v")), token: 3), at: c)
        net.runUntilQuiet()
        net.syncAll(c)
        #expect(net.answer(3, at: c) == nil)
        net.syncAll(a)
        #expect(net.answer(3, at: c) == .result(status: .ok, value: nil))
    }

    @Test func loneOwnerAnswersWhenItsCopyIsDurable() {
        var config = NodeConfig.storage(replicas: 1, writeQuorum: 1, readQuorum: 1)
        config.persistent = true
        let net = ManualNetwork()
        net.storageRing([a], config: config)
        net.handle(.request(.put(key: bytes("solo"), value: bytes("1")), token: 1), at: a)
        net.runUntilQuiet()
        #expect(net.answer(1, at: a) == nil)
        // A report for an older batch than the write's releases nothing.
        net.handle(.durable(through: 0), at: a)
        #expect(net.answer(1, at: a) == nil)
        net.syncAll(a)
        #expect(net.answer(1, at: a) == .result(status: .ok, value: nil))
    }

    @Test func batchesReplayToTheStore() {
        let net = persistentRing()
        for (index, key) in cKeys.enumerated() {
            net.handle(.request(.put(key: bytes(key), value: bytes("v\(index)")), token: UInt64(index + 1)), at: c)
            net.runUntilQuiet()
        }
        net.handle(.request(.remove(key: bytes(cKeys[0])), token: 9), at: c)
        net.runUntilQuiet()
        let batches = net.batches(of: c)
        #expect(batches.map(\.sequence) == Array(1...UInt64(batches.count)))
        var replayed = KeyValueStore()
        for batch in batches {
            for case .entry(let entry) in batch.records { replayed.apply(entry, id: .forKey(bytes: entry.key)) }
        }
        #expect(replayed.allIdentifiers == net[c].store.allIdentifiers)
        for id in replayed.allIdentifiers { #expect(replayed.version(id) == net[c].store.version(id)) }
        #expect(replayed.tombstoneCount == 1)
        // The clock reading persisted covers every version issued.
        let newest = net[c].store.allIdentifiers.compactMap { net[c].store.version($0) }.max()!
        #expect(batches.last!.clockHighWater >= newest.timestamp)
    }

    @Test func recoveredNodeServesItsStoreAndVersionsStayAboveTheHighWaterMark() {
        var store = KeyValueStore()
        let far = UInt64(1) << 62  // a high-water mark far beyond the node's wall clock
        let entry = StoredEntry(key: bytes("old"), value: bytes("kept"), version: Version(timestamp: 5 << 16, writer: 1))
        store.apply(entry, id: .forKey(bytes: entry.key))
        var config = NodeConfig.storage(replicas: 1, writeQuorum: 1, readQuorum: 1)
        config.persistent = true
        let net = ManualNetwork()
        let node = net.add(a, config: config)
        node.recover(store, clockHighWater: far)
        net.handle(.start(bootstrap: nil), at: a)
        #expect(net.get("old", at: a) == .result(status: .ok, value: bytes("kept")))
        net.handle(.request(.put(key: bytes("new"), value: bytes("1")), token: 2), at: a)
        net.runUntilQuiet()
        #expect(net[a].held("new")!.version.timestamp > far)
    }

    @Test func aFullDiskRefusesNewWritesButNotRemoves() {
        let net = ManualNetwork()
        net.storageRing([a, b, c, d], config: .storage())
        #expect(net.put(cKeys[0], "before", at: b) == .status(.ok))
        net.handle(.storageFull(true), at: c)
        #expect(net.put(cKeys[1], "refused", at: b, token: 2) == .status(.outOfSpace))
        #expect(net[c].held(cKeys[1]) == nil)
        #expect(net.remove(cKeys[0], at: b, token: 3) == .status(.ok))
        net.handle(.storageFull(false), at: c)
        #expect(net.put(cKeys[1], "accepted", at: b, token: 4) == .status(.ok))
    }

    @Test func withoutPersistenceNothingWaitsAndNothingIsPersisted() {
        let net = ManualNetwork()
        net.storageRing([a, b, c, d], config: .storage())
        #expect(net.put(cKeys[2], "now", at: c) == .status(.ok))
        #expect([a, b, c, d].allSatisfy { net.batches(of: $0).isEmpty })
    }
}

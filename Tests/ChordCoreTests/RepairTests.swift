import Testing
@testable import ChordCore

private let a = ringPeer(1001, top: 0x4000_0000)
private let b = ringPeer(1002, top: 0x8000_0000)
private let c = ringPeer(1003, top: 0xC000_0000)
private let d = ringPeer(1004, top: 0xF000_0000)

/// Runs anti-entropy at `owner` until a digest went to `replica` (the owner takes its replicas
/// in turn), then lets the exchange finish.
private func synchronize(_ net: ManualNetwork, owner: Peer, with replica: Peer) throws {
    let before = net.sent(from: owner, to: replica) { $0.isSyncDigest }.count
    for _ in 0..<4 where net.sent(from: owner, to: replica, where: { $0.isSyncDigest }).count == before {
        net.runAntiEntropy(at: owner)
        #expect(net.runUntilQuiet())
    }
    try #require(net.sent(from: owner, to: replica) { $0.isSyncDigest }.count == before + 1)
}

@Suite("Anti-entropy")
struct AntiEntropyTests {
    @Test func ownerAndReplicaConvergeOnTheNewestOfEveryKey() throws {
        // A, B, C with three replicas: C owns (B, C]; A and B are its replicas.
        let net = ManualNetwork()
        net.storageRing([a, b, c], config: .storage(successorListLength: 2))
        let k = keys(in: b.id, c.id, count: 5, prefix: "sync")
        let elsewhere = keys(in: c.id, a.id, count: 1, prefix: "sync")[0]  // A's own range
        net[c].preload([entry(k[0], "c-new", milliseconds: 20), entry(k[1], "c-old", milliseconds: 10),
                        entry(k[2], nil, milliseconds: 20), entry(k[4], nil, milliseconds: 30)])
        net[a].preload([entry(k[0], "a-old", milliseconds: 10), entry(k[1], "a-new", milliseconds: 20),
                        entry(k[2], "resurrect?", milliseconds: 10), entry(k[3], "a-only", milliseconds: 10),
                        entry(elsewhere, "not C's", milliseconds: 10)])

        try synchronize(net, owner: c, with: a)

        let expected = [entry(k[0], "c-new", milliseconds: 20), entry(k[1], "a-new", milliseconds: 20),
                        entry(k[2], nil, milliseconds: 20), entry(k[3], "a-only", milliseconds: 10),
                        entry(k[4], nil, milliseconds: 30)]
        for node in [c, a] {
            #expect(k.map { net[node].held($0) } == expected)
        }
        // Only the owner's range was exchanged.
        #expect(net[c].held(elsewhere) == nil)
        #expect(net.sent(from: a, to: c).contains { $0.message.isSyncDifferences(empty: false) })
        let lower = b.id, upper = c.id
        #expect(KeyValueStore.buckets(in: lower, upper).allSatisfy {
            net[c].store.digest(ofBucket: $0, within: lower, upper) == net[a].store.digest(ofBucket: $0, within: lower, upper)
        })
    }

    @Test func rangeAcrossZeroConverges() throws {
        // A owns (D, A], which wraps past zero; B and C are its replicas.
        let net = ManualNetwork()
        net.storageRing([a, b, c, d], config: .storage())
        let k = keys(in: d.id, a.id, count: 12, prefix: "wrap")
        #expect(k.contains { Identifier.forKey($0) > d.id } && k.contains { Identifier.forKey($0) < a.id })
        let ownerHalf = k.enumerated().filter { $0.offset % 2 == 0 }.map { entry($0.element, "from A", milliseconds: 10) }
        let replicaHalf = k.enumerated().filter { $0.offset % 2 == 1 }.map { entry($0.element, "from B", milliseconds: 10) }
        net[a].preload(ownerHalf)
        net[b].preload(replicaHalf)
        try synchronize(net, owner: a, with: b)
        for node in [a, b] {
            #expect(k.map { net[node].held($0) } == k.map { key in (ownerHalf + replicaHalf).first { $0.key == bytes(key) } })
        }
    }

    @Test func identicalReplicaNeedsNoPushes() throws {
        let net = ManualNetwork()
        net.storageRing([a, b, c], config: .storage(successorListLength: 2))
        let k = keys(in: b.id, c.id, count: 3, prefix: "same")
        let entries = k.map { entry($0, "v", milliseconds: 10) }
        net[c].preload(entries)
        net[b].preload(entries)
        net[a].preload(entries + [entry(keys(in: c.id, a.id, count: 1)[0], "A's own", milliseconds: 10)])
        try synchronize(net, owner: c, with: a)
        #expect(net.sent(from: a, to: c).contains { $0.message == .syncDifferences(buckets: []) })
        #expect(net.sent(from: c) { $0.isStore }.isEmpty)
        #expect(net.sent(from: a) { $0.isStore }.isEmpty)
        #expect(net[c].counters.syncRepairs == 0)
    }

    @Test func newReplicaInTheSuccessorListGetsTheOwnersRange() throws {
        // D owns (C, D], replicated on A and B. A leaves: C becomes D's second replica.
        let net = ManualNetwork()
        net.storageRing([a, b, c, d], config: .storage())
        let owned = keys(in: c.id, d.id, count: 3, prefix: "moving").map { entry($0, "value of \($0)", milliseconds: 10) }
        let tombstone = entry(keys(in: c.id, d.id, count: 1, prefix: "gone")[0], nil, milliseconds: 12)
        let notDs = entry(keys(in: a.id, b.id, count: 1, prefix: "moving")[0], "B's", milliseconds: 10)
        net[d].preload(owned + [tombstone, notDs])
        net[b].preload(owned + [tombstone])  // the replica that stays is up to date

        net.inject(.leaving(predecessor: d, successors: [b, c, d]), from: a, to: d)
        #expect(net[d].successors == [b, c])
        #expect(net.runUntilQuiet())

        // Only the new replica was synchronized, and it now holds the owner's range.
        #expect(net.sent(from: d, to: c) { $0.isSyncDigest }.count == 1)
        #expect(net.sent(from: d, to: b) { $0.isSyncDigest }.isEmpty)
        for item in owned + [tombstone] { #expect(net[c].held(String(decoding: item.key, as: UTF8.self)) == item) }
        #expect(net[c].held(String(decoding: notDs.key, as: UTF8.self)) == nil)
    }
}

/// P, N, S, X: N has just joined between P and S (S still takes P as its predecessor).
private let p = ringPeer(2001, top: 0x4000_0000)
private let n = ringPeer(2002, top: 0x6000_0000)
private let s = ringPeer(2003, top: 0x8000_0000)
private let x = ringPeer(2004, top: 0xC000_0000)

private func joinScene(replicas: Int) -> ManualNetwork {
    let config = NodeConfig.storage(replicas: replicas, writeQuorum: replicas == 1 ? 1 : 2,
                                    readQuorum: replicas == 1 ? 1 : 2, successorListLength: 2)
    let net = ManualNetwork()
    net.storageRing([p, s, x], config: config)
    net.storageMember(n, predecessor: p, successors: [s, x], config: config)
    return net
}

private let handedOver = keys(in: p.id, n.id, count: 4, prefix: "handoff")
private let staying = keys(in: n.id, s.id, count: 3, prefix: "handoff")

private func handoffContents() -> [StoredEntry] {
    handedOver.enumerated().map { entry($1, $0 == 0 ? nil : "to N \($0)", milliseconds: 10 + UInt64($0)) }
        + staying.map { entry($0, "stays", milliseconds: 10) }
}

@Suite("Join hand-off")
struct HandoffTests {
    @Test func singleReplicaKeysMoveToTheNewPredecessor() {
        let net = joinScene(replicas: 1)
        net[s].preload(handoffContents())
        net.inject(.notify, from: n, to: s)
        #expect(net[s].predecessor == n)
        #expect(net.runUntilQuiet())

        let moved = net.storedEntries(from: s, to: n)
        #expect(Set(moved.map { String(decoding: $0.key, as: UTF8.self) }) == Set(handedOver))
        #expect(moved.count == handedOver.count)
        for item in handoffContents().prefix(handedOver.count) {
            let key = String(decoding: item.key, as: UTF8.self)
            #expect(net[n].held(key) == item)  // tombstones move too
            #expect(net[s].held(key) == nil)  // deleted once acknowledged
        }
        for key in staying {
            #expect(net[s].value(key) == "stays")
            #expect(net[n].held(key) == nil)
        }
        #expect(net[s].counters.transfersStarted == 1)
    }

    @Test func replicatedKeysAreCopiedAndKept() {
        let net = joinScene(replicas: 3)
        net[s].preload(handoffContents())
        net.inject(.notify, from: n, to: s)
        #expect(net.runUntilQuiet())

        let moved = net.storedEntries(from: s, to: n)
        #expect(Set(moved.map { String(decoding: $0.key, as: UTF8.self) }) == Set(handedOver))
        for item in handoffContents().prefix(handedOver.count) {
            let key = String(decoding: item.key, as: UTF8.self)
            #expect(net[n].held(key) == item)
            #expect(net[s].held(key) == item)  // S stays a replica of N's range
        }
        for key in staying { #expect(net[n].held(key) == nil) }
    }

    @Test func pagesAreAcknowledgedOneAtATimeAndALostPageIsResent() throws {
        let net = joinScene(replicas: 1)
        // Five values of 20 kB: two fit a page, so three pages.
        let big = String(repeating: "z", count: 20_000)
        let pageKeys = keys(in: p.id, n.id, count: 5, prefix: "page")
        net[s].preload(pageKeys.map { entry($0, big, milliseconds: 10) })
        let isPage = { (datagram: Datagram) in datagram.from == s.address && datagram.to == n.address && datagram.message.isStore }

        net.inject(.notify, from: n, to: s)
        let first = try #require(net.queue.first(where: isPage))
        #expect(net.queue.filter(isPage).count == 1)
        #expect(first.message.storeEntries?.count == 2)
        #expect(net.drop(where: isPage) == 1)  // lost

        // S's timer: the same page again.
        try #require(net.fireTimer(of: s) != nil)
        let resent = try #require(net.queue.first(where: isPage))
        #expect(resent.envelope == first.envelope)
        #expect(net[s].counters.retransmissions == 1)

        // From then on: one page in flight, the next sent only after the acknowledgement.
        for _ in 0..<20 {
            #expect(net.queue.filter(isPage).count <= 1)
            guard net.deliverNext() != nil else { break }
        }
        #expect(net.queue.isEmpty)
        #expect(net[s].counters.pagesSent == 3)
        #expect(net.sent(from: s, to: n) { $0.isStore }.count == 4)  // three pages, one resent
        for key in pageKeys {
            #expect(net[n].value(key) == big)
            #expect(net[s].held(key) == nil)
        }
        #expect(net[s].counters.transfersAbandoned == 0)
    }

    @Test func pageLostForGoodAbandonsTheTransferAndKeepsTheKeys() {
        let net = joinScene(replicas: 1)
        net[s].preload(handoffContents())
        net.crash(n)
        net.inject(.notify, from: n, to: s)
        #expect(net.run(for: Nanos.seconds(60)))
        #expect(net[s].counters.transfersAbandoned == 1)
        #expect(net.sent(from: s, to: n) { $0.isStore }.count == 5)  // sent, then four retries
        for item in handoffContents() {
            #expect(net[s].held(String(decoding: item.key, as: UTF8.self)) == item)
        }
    }
}

/// P, L, S: L leaves.
private let leaver = ringPeer(3002, top: 0x8000_0000)
private let before = ringPeer(3001, top: 0x4000_0000)
private let after = ringPeer(3003, top: 0xC000_0000)

private func leaveScene() -> (ManualNetwork, [StoredEntry]) {
    let net = ManualNetwork()
    net.storageRing([before, leaver, after], config: .storage(replicas: 1, writeQuorum: 1, readQuorum: 1,
                                                              successorListLength: 2))
    // Its own keys, a tombstone, and keys of other ranges it holds (replicas from earlier).
    let held = keys(in: before.id, leaver.id, count: 4, prefix: "leave").map { entry($0, "mine", milliseconds: 10) }
        + [entry(keys(in: before.id, leaver.id, count: 1, prefix: "removed")[0], nil, milliseconds: 11)]
        + keys(in: after.id, before.id, count: 2, prefix: "leave").map { entry($0, "other", milliseconds: 12) }
    net[leaver].preload(held)
    return (net, held)
}

@Suite("Graceful leave")
struct LeaveTests {
    @Test func leaveTellsNeighboursHandsEveryKeyToTheSuccessorThenCompletes() throws {
        let (net, held) = leaveScene()
        let started = net.handle(.leave, at: leaver)
        let messages = started.messages
        #expect(messages.count == 3)
        #expect(messages.prefix(2).map(\.to) == [after.address, before.address])
        #expect(messages.prefix(2).allSatisfy {
            $0.message == .leaving(predecessor: before, successors: [after, before])
        })
        #expect(messages.last?.to == after.address)
        #expect(messages.last?.message.isStore == true)
        #expect(!started.contains { $0.isLeaveCompleted })

        // Everything but the last acknowledgement: still leaving.
        let isAck = { (datagram: Datagram) in datagram.from == after.address && datagram.to == leaver.address }
        for _ in 0..<20 { guard net.deliverNext(where: { !isAck($0) }) != nil else { break } }
        #expect(net[leaver].phase == .member)
        let ack = try #require(net.take(where: isAck))
        #expect(ack.message == .stored(count: UInt32(held.count)))
        let done = net.handle(.received(ack.envelope, from: ack.from), at: leaver)
        #expect(done.contains { $0.leaveHandedOff == true })
        #expect(net[leaver].phase == .idle)

        // The successor has every key, tombstones included; the neighbours closed the gap.
        for item in held { #expect(net[after].held(String(decoding: item.key, as: UTF8.self)) == item) }
        #expect(net[after].predecessor == before)
        #expect(net[before].successors.first == after)
    }

    @Test func leaveCompletesAtItsDeadlineWhenTheSuccessorIsSilent() throws {
        let (net, _) = leaveScene()
        net.crash(after)
        net.handle(.leave, at: leaver)
        #expect(net.run(for: Nanos.seconds(20)))
        let completions = net.log.filter { $0.node == leaver.address && $0.effect.isLeaveCompleted }
        #expect(completions.count == 1)
        let completed = try #require(completions.first)
        #expect(completed.time == Instant(nanoseconds: Nanos.seconds(8)))
        #expect(completed.effect.leaveHandedOff == false)
        #expect(net[leaver].phase == .idle)
    }

    @Test func leaveWithNothingStoredCompletesAtOnce() {
        let net = ManualNetwork()
        net.storageRing([before, leaver, after], config: .storage(replicas: 1, writeQuorum: 1, readQuorum: 1))
        let effects = net.handle(.leave, at: leaver)
        #expect(effects.messages.allSatisfy { $0.message.isLeaving })
        #expect(effects.messages.count == 2)
        #expect(effects.contains { $0.leaveHandedOff == true })
        #expect(net[leaver].phase == .idle)
    }
}

import Testing
@testable import ChordCore

// Four nodes at a quarter-ish of the ring each: A owns (D, A], B (A, B], C (B, C], D (C, D].
private let a = ringPeer(1001, top: 0x4000_0000)
private let b = ringPeer(1002, top: 0x8000_0000)
private let c = ringPeer(1003, top: 0xC000_0000)
private let d = ringPeer(1004, top: 0xF000_0000)

/// Keys owned by C (replicated on D and A with three replicas).
private let cKeys = keys(in: b.id, c.id, count: 3)

/// A, B, C, D with three replicas, W = 2, R' = 2.
private func replicatedRing(_ configure: (inout NodeConfig) -> Void = { _ in }) -> ManualNetwork {
    var config = NodeConfig.storage()
    configure(&config)
    let net = ManualNetwork()
    net.storageRing([a, b, c, d], config: config)
    return net
}

/// One node (owning everything) with one replica and the given limits.
private func loneNode(maximumKeys: Int? = nil, maximumBytes: Int? = nil) -> ManualNetwork {
    var config = NodeConfig.storage(replicas: 1, writeQuorum: 1, readQuorum: 1)
    config.maximumKeys = maximumKeys
    config.maximumBytes = maximumBytes
    let net = ManualNetwork()
    net.storageRing([a], config: config)
    return net
}

@Suite("Storage: writes and reads")
struct StorageTests {
    @Test func putThroughNonOwnerIsStoredOnOwnerAndReplicas() {
        let net = replicatedRing()
        let key = cKeys[0]
        #expect(net.put(key, "hello", at: b) == .status(.ok))
        // B coordinated: it handed the write to C, the owner.
        #expect(net.sent(from: b, to: c).contains { $0.message == .ownerRequest(.put(key: bytes(key), value: bytes("hello"))) })
        // The owner stored it and replicated it to its next two successors, at one version.
        let version = net[c].held(key)?.version
        #expect(version != nil)
        for holder in [c, d, a] {
            #expect(net[holder].value(key) == "hello")
            #expect(net[holder].held(key)?.version == version)
        }
        #expect(net[b].held(key) == nil)
        #expect(version?.writer == c.id.low)
    }

    @Test func putAtTheOwnerIsStoredOnOwnerAndReplicas() {
        let net = replicatedRing()
        #expect(net.put(cKeys[1], "local", at: c) == .status(.ok))
        #expect(net.sent(from: c) { if case .ownerRequest = $0 { true } else { false } }.isEmpty)
        #expect([c, d, a].allSatisfy { net[$0].value(cKeys[1]) == "local" })
        #expect(net[b].held(cKeys[1]) == nil)
    }

    @Test func getReturnsTheValueFromAnyNode() {
        let net = replicatedRing()
        #expect(net.put(cKeys[0], "everywhere", at: a) == .status(.ok))
        for (index, node) in [a, b, c, d].enumerated() {
            #expect(net.get(cKeys[0], at: node, token: UInt64(10 + index)) == .found("everywhere"))
        }
    }

    @Test func getOfMissingKeyAnswersNotFound() {
        let net = replicatedRing()
        #expect(net.get(cKeys[2], at: b) == .status(.notFound))
    }

    @Test func overwriteReturnsTheNewValueWithANewerVersion() throws {
        let net = replicatedRing()
        net.put(cKeys[0], "one", at: b, token: 1)
        let first = try #require(net[c].held(cKeys[0])?.version)
        #expect(net.put(cKeys[0], "two", at: d, token: 2) == .status(.ok))
        let second = try #require(net[c].held(cKeys[0])?.version)
        #expect(first < second)
        #expect(net.get(cKeys[0], at: a, token: 3) == .found("two"))
    }

    @Test func removeWritesATombstoneOnOwnerAndReplicas() {
        let net = replicatedRing()
        net.put(cKeys[0], "doomed", at: b, token: 1)
        #expect(net.remove(cKeys[0], at: a, token: 2) == .status(.ok))
        for holder in [c, d, a] {
            let held = net[holder].held(cKeys[0])
            #expect(held != nil && held?.value == nil)  // a tombstone, not a missing key
            #expect(net[holder].store.tombstoneCount == 1 && net[holder].store.liveCount == 0)
        }
        for (index, node) in [a, b, c, d].enumerated() {
            #expect(net.get(cKeys[0], at: node, token: UInt64(10 + index)) == .status(.notFound))
        }
    }

    @Test func removeOfMissingKeyAnswersNotFound() {
        let net = replicatedRing()
        #expect(net.remove(cKeys[1], at: b) == .status(.notFound))
        #expect(net.put(cKeys[1], "x", at: b, token: 2) == .status(.ok))
        #expect(net.remove(cKeys[1], at: b, token: 3) == .status(.ok))
        #expect(net.remove(cKeys[1], at: b, token: 4) == .status(.notFound))  // already removed
    }

    @Test func singleReplicaRingStoresOnTheOwnerOnly() {
        let net = ManualNetwork()
        net.storageRing([a, b, c, d], config: .storage(replicas: 1, writeQuorum: 1, readQuorum: 1))
        #expect(net.put(cKeys[0], "solo", at: a) == .status(.ok))
        #expect(net[c].value(cKeys[0]) == "solo")
        for other in [a, b, d] { #expect(net[other].held(cKeys[0]) == nil) }
        #expect(net.sent(from: c) { $0.isStore }.isEmpty)
        #expect(net.get(cKeys[0], at: d, token: 2) == .found("solo"))
        #expect(net.remove(cKeys[0], at: b, token: 3) == .status(.ok))
        #expect(net.get(cKeys[0], at: a, token: 4) == .status(.notFound))
    }

    @Test func versionCarriesTheOwnersWallClockAndIdentifier() throws {
        let offset = Nanos.seconds(1_700_000_000)  // Unix time at the node's start
        let net = replicatedRing { $0.wallClockOffset = offset }
        net.advance(to: Instant(nanoseconds: Nanos.milliseconds(1_234)))
        #expect(net.put(cKeys[0], "now", at: c) == .status(.ok))
        let version = try #require(net[c].held(cKeys[0])?.version)
        #expect(version.timestamp >> 16 == UInt64((offset + Nanos.milliseconds(1_234)) / 1_000_000))
        #expect(version.writer == c.id.low)
    }

    @Test func oldStoreArrivingLateDoesNotOverwriteNewer() {
        let net = replicatedRing()
        net[d].preload([entry(cKeys[0], "new", milliseconds: 20)])
        let effects = net.inject(.store(entries: [entry(cKeys[0], "old", milliseconds: 10)]), requestID: 5, from: c, to: d)
        #expect(effects.messages.map(\.message) == [.stored(count: 0)])
        #expect(net[d].value(cKeys[0]) == "new")
    }
}

@Suite("Storage: limits")
struct StorageLimitTests {
    @Test func maximumKeysRefusesANewKeyButAcceptsOverwrites() {
        let net = loneNode(maximumKeys: 2)
        #expect(net.put("k1", "a", at: a, token: 1) == .status(.ok))
        #expect(net.put("k2", "b", at: a, token: 2) == .status(.ok))
        #expect(net.put("k3", "c", at: a, token: 3) == .status(.outOfSpace))
        #expect(net[a].held("k3") == nil)
        #expect(net.put("k1", "a2", at: a, token: 4) == .status(.ok))
        #expect(net[a].value("k1") == "a2")
        // A removed key frees its place.
        #expect(net.remove("k2", at: a, token: 5) == .status(.ok))
        #expect(net.put("k3", "c", at: a, token: 6) == .status(.ok))
        #expect(net[a].store.liveCount == 2)
    }

    @Test func maximumBytesRefusesGrowthBeyondQuota() {
        let net = loneNode(maximumBytes: 20)
        #expect(net.put("k1", "12345678", at: a, token: 1) == .status(.ok))  // 10 bytes
        #expect(net.put("k2", "12345678", at: a, token: 2) == .status(.ok))  // 20: exactly full
        #expect(net.put("k3", "1", at: a, token: 3) == .status(.outOfSpace))
        #expect(net[a].held("k3") == nil)
        #expect(net.put("k1", "abcdefgh", at: a, token: 4) == .status(.ok))  // same size
        #expect(net.put("k1", "abc", at: a, token: 5) == .status(.ok))  // smaller
        #expect(net.put("k1", "abcdefgh", at: a, token: 6) == .status(.ok))  // back to exactly full
        #expect(net.put("k1", "abcdefghi", at: a, token: 7) == .status(.outOfSpace))  // 21
        #expect(net[a].value("k1") == "abcdefgh")
        #expect(net[a].store.byteCount == 20)
    }

    @Test func valueTooLargeIsRefused() {
        let net = loneNode()
        let big = [UInt8](repeating: 0x61, count: StorageLimits.maximumValueBytes + 1)
        #expect(net.request(.put(key: bytes("k"), value: big), at: a, token: 1) == .status(.valueTooLarge))
        #expect(net[a].held("k") == nil)
        let largest = [UInt8](repeating: 0x61, count: StorageLimits.maximumValueBytes)
        #expect(net.request(.put(key: bytes("k"), value: largest), at: a, token: 2) == .status(.ok))
    }

    @Test func emptyOrOversizedKeyIsRefused() {
        let net = loneNode()
        let long = [UInt8](repeating: 0x6B, count: StorageLimits.maximumKeyBytes + 1)
        for (token, message) in [Message.put(key: [], value: bytes("v")), .get(key: []), .remove(key: []),
                                 .put(key: long, value: bytes("v")), .get(key: long), .remove(key: long)].enumerated() {
            #expect(net.request(message, at: a, token: UInt64(token)) == .status(.keyTooLarge))
        }
        #expect(net[a].store.liveCount == 0 && net[a].store.tombstoneCount == 0)
        let longest = [UInt8](repeating: 0x6B, count: StorageLimits.maximumKeyBytes)
        #expect(net.request(.put(key: longest, value: bytes("v")), at: a, token: 10) == .status(.ok))
    }

    @Test func keyThatIsNotUTF8IsABadRequest() {
        let net = loneNode()
        #expect(net.request(.put(key: [0xFF, 0xFE], value: bytes("v")), at: a) == .status(.badRequest))
        #expect(net[a].store.liveCount == 0)
    }

    @Test func refusedOwnerRequestIsAnsweredWithTheStatus() {
        let net = replicatedRing()
        let big = [UInt8](repeating: 0x61, count: StorageLimits.maximumValueBytes + 1)
        let effects = net.inject(.ownerRequest(.put(key: bytes(cKeys[0]), value: big)), requestID: 3, from: b, to: c)
        #expect(effects.messages.map(\.message) == [.status(.valueTooLarge)])
        #expect(net[c].held(cKeys[0]) == nil)
    }
}

@Suite("Storage: silent replicas")
struct SilentReplicaTests {
    @Test func writeWithAllReplicasSilentIsUnavailableAtTheReplicaDeadline() throws {
        let net = replicatedRing { $0.replicaDeadline = Nanos.milliseconds(250) }
        net.crash(d)
        net.crash(a)
        net.handle(.request(.put(key: bytes(cKeys[0]), value: bytes("v")), token: 1), at: c)
        #expect(net.run(for: Nanos.milliseconds(249)))
        #expect(net.answer(1, at: c) == nil)
        #expect(net.run(for: Nanos.seconds(1)))
        #expect(net.answer(1, at: c) == .status(.unavailable))
        let answered = try #require(net.log.first { $0.effect.requestAnswer != nil })
        #expect(answered.time == Instant(nanoseconds: Nanos.milliseconds(250)))
    }

    @Test func writeWhoseReplicasAllStaySilentIsUnavailable() throws {
        let net = replicatedRing()
        net.crash(d)
        net.crash(a)
        net.crash(b)  // the spare successor too
        net.handle(.request(.put(key: bytes(cKeys[0]), value: bytes("v")), token: 1), at: c)
        #expect(net.run(for: net[c].config.replicaDeadline + Nanos.seconds(1)))
        #expect(net.answers(at: c).map(\.answer) == [.status(.unavailable)])
        // Every successor was tried, each with one retransmission.
        for replica in [d, a, b] { #expect(net.sent(from: c, to: replica) { $0.isStore }.count == 2) }
        let answered = try #require(net.log.first { $0.effect.requestAnswer != nil })
        #expect(answered.time <= Instant(nanoseconds: net[c].config.replicaDeadline))
    }

    @Test func silentReplicaIsReplacedByTheNextSuccessor() {
        // W = 3: the write needs a third replica when D stays silent, and B, the next successor, is asked.
        let net = replicatedRing {
            $0.writeQuorum = 3
            $0.readQuorum = 1
        }
        net.crash(d)
        net.handle(.request(.put(key: bytes(cKeys[0]), value: bytes("v")), token: 1), at: c)
        #expect(net.run(for: net[c].config.replicaDeadline + Nanos.seconds(1)))
        #expect(net.answers(at: c).map(\.answer) == [.status(.ok)])
        #expect(net[a].value(cKeys[0]) == "v" && net[b].value(cKeys[0]) == "v")
    }

    @Test func writeQuorumOfOneSucceedsWithSilentReplicas() {
        let net = replicatedRing {
            $0.writeQuorum = 1
            $0.readQuorum = 3
        }
        net.crash(d)
        net.crash(a)
        let effects = net.handle(.request(.put(key: bytes(cKeys[0]), value: bytes("v")), token: 1), at: c)
        #expect(effects.compactMap(\.requestAnswer).map(\.answer) == [.status(.ok)])  // at once
        #expect(net[c].value(cKeys[0]) == "v")
        #expect(net.sent(from: c) { $0.isStore }.count == 2)  // the replicas were still sent it
    }
}

@Suite("Storage: read repair")
struct ReadRepairTests {
    @Test func staleReplicaIsRepairedByARead() throws {
        let net = replicatedRing()
        let key = cKeys[0]
        net[c].preload([entry(key, "v2", milliseconds: 20)])
        net[d].preload([entry(key, "v1", milliseconds: 10)])  // C's first successor: read with C
        #expect(net.get(key, at: b) == .found("v2"))
        let repairs = net.storedEntries(from: c, to: d)
        #expect(repairs == [entry(key, "v2", milliseconds: 20)])
        #expect(net[d].held(key) == entry(key, "v2", milliseconds: 20))
        #expect(net[c].counters.readRepairs == 1)
    }

    @Test func replicaMissingTheKeyIsRepairedByARead() {
        let net = replicatedRing()
        net[c].preload([entry(cKeys[1], "only here", milliseconds: 5)])
        #expect(net.get(cKeys[1], at: c) == .found("only here"))
        #expect(net[d].held(cKeys[1]) == entry(cKeys[1], "only here", milliseconds: 5))
    }

    @Test func staleOwnerRepairsItself() {
        let net = replicatedRing()
        let key = cKeys[0]
        net[c].preload([entry(key, "v1", milliseconds: 10)])
        net[d].preload([entry(key, "v2", milliseconds: 20, writer: 7)])
        #expect(net.get(key, at: a) == .found("v2"))
        #expect(net[c].held(key) == entry(key, "v2", milliseconds: 20, writer: 7))
        #expect(net.storedEntries(from: c, to: d).isEmpty)  // the replica was up to date
        #expect(net[c].counters.readRepairs == 1)
    }

    @Test func newerTombstoneWinsARead() {
        let net = replicatedRing()
        let key = cKeys[2]
        net[c].preload([entry(key, "alive", milliseconds: 10)])
        net[d].preload([entry(key, nil, milliseconds: 20)])
        #expect(net.get(key, at: b) == .status(.notFound))
        #expect(net[c].held(key) == entry(key, nil, milliseconds: 20))
    }

    @Test func writeAfterReadingANewerVersionIsNewerStill() throws {
        // The replica's version comes from a clock ahead of the owner's (within the drift
        // bound): a write after the read must still win (the owner's clock moved past it).
        let net = replicatedRing()
        let key = cKeys[0]
        let ahead = UInt64(net[c].config.maximumClockDrift / Nanos.milliseconds(1)) - 1_000
        net[d].preload([entry(key, "from ahead", milliseconds: ahead)])
        #expect(net.get(key, at: c, token: 1) == .found("from ahead"))
        #expect(net.put(key, "later", at: c, token: 2) == .status(.ok))
        let version = try #require(net[c].held(key)?.version)
        #expect(version.timestamp > ahead << 16)
        #expect(net.get(key, at: a, token: 3) == .found("later"))
    }

    @Test func aVersionFromBeyondTheDriftBoundIsNeitherServedNorSpread() {
        // A replica holding a version from far in the future (as a forged store could have
        // planted before stores were checked): the owner's read counts it as no entry, so it
        // is not served, not repaired onto others, and a later write wins.
        let net = replicatedRing()
        let key = cKeys[0]
        net[d].preload([entry(key, "pinned", milliseconds: 1_000_000_000)])
        #expect(net.get(key, at: c, token: 1) == .status(.notFound))
        #expect(net[c].held(key) == nil && net[a].held(key) == nil)
        #expect(net.put(key, "later", at: c, token: 2) == .status(.ok))
        #expect(net.get(key, at: a, token: 3) == .found("later"))
    }
}

/// Six nodes P1...P6 spread over the ring, successor lists of 2, three replicas: P4 owns
/// (P3, P4]; P1 is neither near P4's keys nor one of P4's successors.
private let sixPeers = (1...6).map { ringPeer(UInt16(1100 + $0), top: UInt32($0) << 29) }

private func sixNodeRing() -> ManualNetwork {
    let net = ManualNetwork()
    net.storageRing(sixPeers, config: .storage(successorListLength: 2))
    return net
}

extension [Effect] {
    /// The answers among these effects that go to `peer`.
    func answers(to peer: Peer) -> [Message] { messages.filter { $0.to == peer.address && $0.message.isResponse }.map(\.message) }
}

@Suite("Storage: who may hand over keys")
struct HandOverTests {
    @Test("a store with any entry the receiver may not hold is refused as a whole, so a retiring sender deletes nothing")
    func partlyRefusedStoreIsRefused() {
        let net = sixNodeRing()
        let (p3, p4, p5) = (sixPeers[2], sixPeers[3], sixPeers[4])
        let mine = keys(in: p3.id, p4.id, count: 1)[0]
        let outside = keys(in: p4.id, p5.id, count: 1)[0]  // P5's key: P4 may not take it from P5
        let effects = net.inject(.store(entries: [entry(mine, "mine", milliseconds: 10),
                                                  entry(outside, "not mine", milliseconds: 10)]), requestID: 5, from: p5, to: p4)
        #expect(effects.answers(to: p5) == [.error(.notResponsible)])
        #expect(net[p4].value(mine) == "mine")  // what it may hold, it keeps
        #expect(net[p4].held(outside) == nil)
    }

    @Test("an owner takes its keys from a node far from them once a lookup confirms that node is a member, and never from a stranger")
    func ownerTakesKeysFromAConfirmedMember() {
        let net = sixNodeRing()
        let (p1, p4) = (sixPeers[0], sixPeers[3])
        let key = keys(in: sixPeers[2].id, p4.id, count: 1)[0]
        let store = Message.store(entries: [entry(key, "newer", milliseconds: 50)])

        #expect(net.inject(store, requestID: 5, from: p1, to: p4).answers(to: p1) == [.error(.notResponsible)])
        #expect(net[p4].held(key) == nil)
        // A second refused page while that lookup runs starts no other.
        func lookupsOfP1() -> Int { net.sent(from: p4) { $0 == .findNext(target: p1.id) }.count }
        let started = lookupsOfP1()
        #expect(started >= 1)
        #expect(net.inject(store, requestID: 9, from: p1, to: p4).answers(to: p1) == [.error(.notResponsible)])
        #expect(lookupsOfP1() == started)
        // The refusal started a lookup of P1's identifier; it ends at P1, a member.
        #expect(net.runUntilQuiet())
        #expect(net.inject(store, requestID: 6, from: p1, to: p4).answers(to: p1) == [.stored(count: 1)])
        #expect(net[p4].value(key) == "newer")

        // A stranger (not in the ring) is looked up too, but the lookup ends at a member.
        let stranger = ringPeer(1200, top: 0x3000_0000)
        let other = Message.store(entries: [entry(key, "forged", milliseconds: 60)])
        #expect(net.inject(other, requestID: 7, from: stranger, to: p4).answers(to: stranger) == [.error(.notResponsible)])
        _ = net.runUntilQuiet()
        #expect(net.inject(other, requestID: 8, from: stranger, to: p4).answers(to: stranger) == [.error(.notResponsible)])
        #expect(net[p4].value(key) == "newer")
    }
}

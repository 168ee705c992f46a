import Testing
@testable import ChordCore

private let p100 = peer(100), p200 = peer(200), p300 = peer(300), p400 = peer(400), p500 = peer(500)
private let roundTrip = Nanos.milliseconds(10)  // 2 × the network's one-way delay

private func hop(_ peer: Peer, _ roundTrip: Int64?, confirms: Bool = false) -> LookupHop {
    LookupHop(address: peer.address, id: peer.id, roundTrip: roundTrip, confirmsOwner: confirms)
}

/// The only completion of `peer`'s lookups so far.
private func onlyResult(_ net: ManualNetwork, _ peer: Peer) throws -> Result<LookupResult, LookupFailure> {
    let completions = net.completions(of: peer)
    #expect(completions.count == 1)
    return try #require(completions.first).outcome
}

@Suite("Lookup")
struct LookupTests {
    @Test func followsCloserStepsToTheOwner() throws {
        // Each node knows only its successor: 100 → 200 → 300 → 400 → 100.
        let net = ManualNetwork()
        net.handBuiltRing([p100, p200, p300, p400], listLength: 1)

        let effects = net.lookup(from: p100, target: 350, token: 5)
        #expect(effects.messages.map(\.message) == [.findNext(target: Identifier(350))])
        #expect(effects.messages.first?.to == p200.address)
        // Iterative: one node asked at a time.
        var asked: [NodeAddress] = []
        for _ in 0..<20 {
            #expect(net.queue.count <= 1)
            guard let datagram = net.deliverNext() else { break }
            if datagram.from == p100.address { asked.append(datagram.to) }
        }
        #expect(asked == [p200.address, p300.address])

        let completion = try #require(net.completions(of: p100).first)
        #expect(completion.token == 5)
        let result = try completion.outcome.get()
        #expect(result.target == Identifier(350))
        #expect(result.owner == p400)
        #expect(result.hops == [hop(p200, roundTrip), hop(p300, roundTrip)])
        #expect(result.routingHops == 2)
        #expect(result.elapsed == 2 * roundTrip)
    }

    @Test func ownerNamedByFirstHopWithReplicas() throws {
        let net = ManualNetwork()
        net.handBuiltRing([p100, p200, p300, p400, p500], listLength: 2)
        net.lookup(from: p100, target: 350)
        #expect(net.runUntilQuiet())
        let result = try onlyResult(net, p100).get()
        // 100 knows [200, 300] and asks 300 (closest to the target), which names 400 and its successor.
        #expect(result.hops == [hop(p300, roundTrip)])
        #expect(result.owner == p400)
        #expect(result.successors == [p500])
    }

    @Test func silentHopIsRoutedAround() throws {
        let net = ManualNetwork()
        net.handBuiltRing([p100, p200, p300, p400, p500], listLength: 2)
        net[p100].ring.setFingers(7..<8, to: p300)  // finger start 228: 100 will ask 300 first
        net.crash(p300)

        net.lookup(from: p100, target: 450)
        #expect(net.run(for: Nanos.seconds(10)))
        let result = try onlyResult(net, p100).get()
        #expect(result.owner == p500)
        #expect(result.successors == [p100])
        #expect(result.hops == [hop(p300, nil), hop(p200, roundTrip), hop(p400, roundTrip)])
        #expect(result.routingHops == 2)
        #expect(net.sent(from: p100, to: p300).count == 1)  // routing hops are not retransmitted
    }

    @Test func lateAnswerOfSlowHopIsStillUsed() throws {
        let net = ManualNetwork()
        net.handBuiltRing([p100, p200, p300, p400, p500], listLength: 2)
        net[p100].ring.setFingers(7..<8, to: p300)
        net[p200].ring.install(successors: [p300])  // 200 can only point back at 300: the lookup needs 300's answer

        net.lookup(from: p100, target: 450)
        // 300 is slow: its request waits while 100's timeout routes around it to 200.
        let timedOut = try #require(net.fireTimer(of: p100))
        let timeout = net.now - .zero
        #expect(timedOut.messages.map(\.to) == [p200.address])
        #expect(net.deliverNext { $0.to == p200.address } != nil)
        #expect(net.deliverNext { $0.from == p200.address } != nil)
        #expect(net.completions(of: p100).isEmpty)  // nothing left to ask: waiting to restart
        // Now 300 answers, late.
        #expect(net.deliverNext { $0.to == p300.address } != nil)
        #expect(net.runUntilQuiet())

        let result = try onlyResult(net, p100).get()
        #expect(result.owner == p500)
        #expect(result.hops.map(\.address) == [p300.address, p200.address, p400.address])
        let late = try #require(result.hops.first?.roundTrip)
        #expect(late > timeout)  // the late answer replaced the silent hop
        #expect(result.hops.allSatisfy { $0.roundTrip != nil })
    }

    @Test func confirmationOfDeadOwnerEndsAtItsLiveSuccessor() throws {
        let net = ManualNetwork()
        net.handBuiltRing([p100, p200, p300, p400, p500], listLength: 2)
        net.crash(p400)

        net.lookup(from: p100, target: 350, confirmOwner: true)
        #expect(net.run(for: Nanos.seconds(10)))
        let result = try onlyResult(net, p100).get()
        #expect(result.owner == p500)
        #expect(result.hops == [hop(p300, roundTrip), hop(p400, nil, confirms: true), hop(p500, roundTrip, confirms: true)])
        #expect(result.routingHops == 1)
        // The confirmation of the named owner was retried (`Lookups.ownerCheckRetries`), with
        // the same request id.
        let confirmations = net.sent(from: p100, to: p400)
        #expect(confirmations.count == 1 + Lookups.ownerCheckRetries)
        #expect(Set(confirmations.map(\.envelope.requestID)).count == 1)
    }

    @Test func confirmationOfLiveOwner() throws {
        let net = ManualNetwork()
        net.handBuiltRing([p100, p200, p300, p400, p500], listLength: 2)
        net.lookup(from: p100, target: 350, confirmOwner: true)
        #expect(net.runUntilQuiet())
        let result = try onlyResult(net, p100).get()
        #expect(result.owner == p400)
        #expect(result.successors == [p500, p100])  // from the owner's own answer
        #expect(result.hops == [hop(p300, roundTrip), hop(p400, roundTrip, confirms: true)])
    }

    @Test func confirmationMayEndAtTheOriginatorItself() throws {
        // 400 is dead and its successor is the originator 100: the fallback owner is 100.
        let net = ManualNetwork()
        net.handBuiltRing([p100, p200, p300, p400], listLength: 2)
        net.crash(p400)
        net.lookup(from: p100, target: 350, confirmOwner: true)
        #expect(net.run(for: Nanos.seconds(10)))
        let result = try onlyResult(net, p100).get()
        #expect(result.owner == p100)
    }

    @Test func lookupBeforeJoiningFailsNotJoined() throws {
        let net = ManualNetwork()
        net.add(p100)
        let idle = net.lookup(from: p100, target: 1, token: 3).completions
        #expect(idle.count == 1 && idle.first?.token == 3)
        #expect(throws: LookupFailure.notJoined) { try idle.first?.outcome.get() }

        net.start(p100, bootstrap: p200)
        let joining = net.lookup(from: p100, target: 1, token: 4).completions
        #expect(joining.count == 1 && joining.first?.token == 4)
        #expect(throws: LookupFailure.notJoined) { try joining.first?.outcome.get() }
        #expect(net.sent(from: p100).count == 1)  // just the join request
    }

    @Test func lookupWithoutProgressTimesOutByItsDeadline() throws {
        // 200 answers every step, but with no closer node: the lookup can never progress.
        let net = ManualNetwork()
        let node = net.add(p100)
        node.ring.install(phase: .member, successors: [p200])
        net.script(p200) { envelope in envelope.message.isFindNext ? .nextHop(.closer([])) : nil }

        net.lookup(from: p100, target: 350)
        #expect(net.run(for: 2 * node.config.lookupDeadline))
        #expect(throws: LookupFailure.timedOut) { try onlyResult(net, p100).get() }
        let completed = try #require(net.log.first { $0.effect.completion != nil })
        #expect(completed.time <= Instant(nanoseconds: node.config.lookupDeadline))
        let asked = net.sent(from: p100, to: p200)
        #expect(asked.count > 1)  // restarted from its own table meanwhile
        #expect(asked.allSatisfy { $0.sentAt < completed.time })
        #expect(node.counters.lookupsFailed == 1)
    }

    @Test func lookupThroughSilentNodeTimesOutByItsDeadline() throws {
        var config = NodeConfig.testing()
        config.suspicionThreshold = 1_000  // never declare 200 dead: it stays the only way on
        let net = ManualNetwork()
        let node = net.add(p100, config: config)
        node.ring.install(phase: .member, successors: [p200])

        net.lookup(from: p100, target: 350)
        #expect(net.run(for: 2 * config.lookupDeadline))
        #expect(throws: LookupFailure.timedOut) { try onlyResult(net, p100).get() }
        let completed = try #require(net.log.first { $0.effect.completion != nil })
        #expect(completed.time <= Instant(nanoseconds: config.lookupDeadline))
    }
}

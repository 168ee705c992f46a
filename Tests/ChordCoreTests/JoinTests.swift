import Testing
@testable import ChordCore

private let a = peer(100), b = peer(200), c = peer(300)
/// An address nobody answers from unless the test does it by hand.
private let outsider = peer(900)

@Suite("Join")
struct JoinTests {
    @Test func nodeWithoutBootstrapIsAMemberAlone() throws {
        let net = ManualNetwork()
        net.add(a)
        let effects = net.start(a)
        #expect(net[a].phase == .member)
        #expect(net[a].successors.isEmpty)
        #expect(net[a].predecessor == nil)
        #expect(effects.sends.isEmpty)
        #expect(effects.timers == [.zero])  // stabilize is due at once

        // It owns everything, answered locally without a single hop.
        for confirm in [false, true] {
            let completions = net.lookup(from: a, target: 12_345, token: 9, confirmOwner: confirm).completions
            let completion = try #require(completions.first)
            #expect(completions.count == 1 && completion.token == 9)
            let result = try completion.outcome.get()
            #expect(result.owner == a)
            #expect(result.successors.isEmpty)
            #expect(result.hops.isEmpty && result.routingHops == 0)
            #expect(result.elapsed == 0)
        }
        #expect(net.queue.isEmpty)
    }

    @Test func nodeWithBootstrapAsksItForItsOwnIdentifier() {
        let net = ManualNetwork()
        net.add(b)
        let effects = net.start(b, bootstrap: a)
        #expect(net[b].phase == .joining(bootstrap: a.address))
        #expect(effects.messages.count == 1)
        #expect(effects.messages.first?.message == .findNext(target: b.id))
        #expect(effects.messages.first?.to == a.address)
        #expect(effects.sends.first?.envelope.sender == b)
        #expect(effects.timers.count == 1)
        #expect((effects.timers.first ?? .zero) > .zero)  // the request's timeout
    }

    @Test func twoNodeJoinMessageByMessage() throws {
        let net = ManualNetwork()
        net.add(a)
        net.add(b)
        net.start(a)
        net.start(b, bootstrap: a)

        func next(_ from: Peer, _ to: Peer) throws -> Message {
            let datagram = try #require(net.deliverNext())
            #expect(datagram.from == from.address && datagram.to == to.address)
            return datagram.message
        }
        // Read-only queries are answered without a cookie; the first answer gives the cookie
        // (instead of the sender's peer), which every later member message carries.
        #expect(try next(b, a) == .findNext(target: b.id))
        #expect(try next(a, b) == .nextHop(.owner([a])))
        #expect(net.sent.last?.envelope.cookie == net[a].messenger.cookie(for: b.address))
        #expect(try next(b, a) == .getNeighbors)  // the join walk verifies the named successor
        #expect(try next(a, b) == .neighbors(predecessor: nil, successors: []))
        #expect(net[b].phase == .member)
        #expect(net[b].successors == [a])
        #expect(net.events(of: b).contains(.joined(successor: a)))
        #expect(try next(b, a) == .notify)
        // Alone, a checks the notifier as its successor (neighbours) and as its predecessor
        // (a ping): it adopts b only from b's own answers.
        #expect(try next(a, b) == .getNeighbors)
        #expect(try next(a, b) == .ping)
        #expect(net[a].predecessor == nil && net[a].successors.isEmpty)
        #expect(try next(b, a) == .neighbors(predecessor: nil, successors: [a]))
        #expect(net[a].successors == [b])
        #expect(try next(b, a) == .pong)
        #expect(net[a].predecessor == b)
        #expect(try next(a, b) == .notify)
        #expect(net.queue.isEmpty)

        #expect(net[a].successors == [b] && net[a].predecessor == b)
        #expect(net[b].successors == [a] && net[b].predecessor == a)
    }

    @Test func threeNodeRingConverges() {
        let net = ManualNetwork()
        for node in [a, b, c] { net.add(node) }
        net.start(a)
        net.start(b, bootstrap: a)
        #expect(net.run(for: Nanos.seconds(5)))
        net.start(c, bootstrap: b)  // through a different member
        #expect(net.run(for: Nanos.seconds(5)))

        #expect(net[a].successors == [b, c])
        #expect(net[b].successors == [c, a])
        #expect(net[c].successors == [a, b])
        #expect(net[a].predecessor == c)
        #expect(net[b].predecessor == a)
        #expect(net[c].predecessor == b)
        for node in [a, b, c] { #expect(net[node].phase == .member) }
    }

    @Test func joinWalksBackToTrueSuccessorAndAnnouncesItself() throws {
        // The bootstrap names 400 (stale); 400's predecessor 300 lies between 200 and 400,
        // so 200 walks back to 300, whose predecessor 100 does not: 300 is the successor.
        let net = ManualNetwork()
        let p300 = peer(300), p400 = peer(400), p500 = peer(500)
        net.add(b)
        net.start(b, bootstrap: outsider)
        let findNext = try #require(net.take())
        let walk1 = net.reply(to: findNext, from: outsider, with: .nextHop(.owner([p400, p500])))
        #expect(walk1.messages.map(\.message) == [.getNeighbors])
        #expect(walk1.messages.first?.to == p400.address)

        let ask400 = try #require(net.take())
        let walk2 = net.reply(to: ask400, from: p400, with: .neighbors(predecessor: p300, successors: [p500]))
        #expect(walk2.messages.map(\.message) == [.getNeighbors])
        #expect(walk2.messages.first?.to == p300.address)
        #expect(net[b].phase == .joining(bootstrap: outsider.address))

        let ask300 = try #require(net.take())
        let joined = net.reply(to: ask300, from: p300, with: .neighbors(predecessor: a, successors: [p400, p500]))
        #expect(net[b].phase == .member)
        #expect(net[b].successors == [p300, p400, p500])
        #expect(joined.events.contains(.joined(successor: p300)))
        // Notify the successor (whose cookie came with its answer); announce ourselves to its
        // old predecessor, whose cookie we ask for first (an announce is a member message).
        #expect(joined.messages.map(\.message) == [.notify, .ping])
        #expect(joined.messages.map(\.to) == [p300.address, a.address])
        let cookieAsk = try #require(net.take { $0.to == a.address })
        let announced = net.reply(to: cookieAsk, from: a, with: .pong)
        #expect(announced.messages.map(\.message) == [.announce])
        #expect(announced.sends.first?.envelope.cookie == ManualNetwork.outsideCookie)
        #expect(announced.messages.first?.to == a.address)
    }

    @Test func joiningNodeIsSilentUntilMember() throws {
        let net = ManualNetwork()
        net.add(b)
        net.start(b, bootstrap: outsider)
        let findNext = try #require(net.take())

        for request in [Message.ping, .getNeighbors, .findNext(target: Identifier(150)), .notify] {
            #expect(net.inject(request, from: c, to: b).sends.isEmpty)
        }
        #expect(net[b].counters.requestsHandled == 0)
        #expect(net[b].predecessor == nil)  // the notify was not applied either

        // The outsider answers the join by hand; b walks, becomes a member and notifies.
        let walk = net.reply(to: findNext, from: outsider, with: .nextHop(.owner([outsider])))
        #expect(walk.messages.map(\.message) == [.getNeighbors])
        let getNeighbors = try #require(net.take())
        let joined = net.reply(to: getNeighbors, from: outsider, with: .neighbors(predecessor: nil, successors: []))
        #expect(joined.messages.map(\.message) == [.notify])
        #expect(net[b].phase == .member)

        let answer = net.inject(.ping, requestID: 41, from: c, to: b).sends
        #expect(answer.count == 1)
        #expect(answer.first?.envelope == Envelope(requestID: 41, sender: b, message: .pong))
        #expect(answer.first?.to == c.address)
    }

    @Test func joinRetriesWhileBootstrapIsSilent() throws {
        let net = ManualNetwork()
        net.add(b)
        net.start(b, bootstrap: a)  // nobody at a: every datagram to it is lost
        let first = try #require(net.take())

        // Fire the timer until b asks the bootstrap again (bounded).
        var retry: Datagram?
        for _ in 0..<10 where retry == nil {
            try #require(net.fireTimer(of: b) != nil)
            retry = net.take()
        }
        let second = try #require(retry)
        #expect(second.to == a.address && second.message == .findNext(target: b.id))
        #expect(second.envelope.requestID != first.envelope.requestID)  // a new lookup step
        #expect(net.now < Instant(nanoseconds: net[b].config.lookupDeadline))

        // Past the lookup deadline the attempt fails, is reported, and joining goes on.
        #expect(net.run(for: net[b].config.lookupDeadline + net[b].config.joinRetryDelay))
        #expect(net.events(of: b).contains(.joinAttemptFailed(bootstrap: a.address)))
        #expect(net[b].phase == .joining(bootstrap: a.address))
        let lastAttempt = try #require(net.sent(from: b, to: a).last)
        #expect(lastAttempt.sentAt > Instant(nanoseconds: net[b].config.lookupDeadline))
        #expect(lastAttempt.message == .findNext(target: b.id))

        // Once a is up, the join completes.
        net.add(a)
        net.start(a)
        #expect(net.run(for: Nanos.seconds(5)))
        #expect(net[b].phase == .member)
        #expect(net[b].successors == [a] && net[b].predecessor == a)
        #expect(net[a].successors == [b] && net[a].predecessor == b)
    }
}

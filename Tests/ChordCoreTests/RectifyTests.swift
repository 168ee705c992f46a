import Testing
@testable import ChordCore

private let p100 = peer(100), p150 = peer(150), me = peer(200), p250 = peer(250), p300 = peer(300), p50 = peer(50)

/// A started member at 200 with predecessor 100 and successor 300.
private func member() -> ManualNetwork {
    let net = ManualNetwork()
    net.add(me, config: .testing(quiet: true))
    net.start(me)
    net[me].ring.install(predecessor: p100)
    net[me].ring.install(successors: [p300])
    return net
}

/// Delivers the ping `node` sent `candidate` to check a notify, answers it with pong, and
/// returns the effects of the answer.
@discardableResult
private func answerVerificationPing(_ net: ManualNetwork, from candidate: Peer) throws -> [Effect] {
    let ping = try #require(net.take { $0.to == candidate.address && $0.message == .ping })
    return net.reply(to: ping, from: candidate, with: .pong)
}

@Suite("Rectify")
struct RectifyTests {
    @Test func notifyFromBetweenPredecessorAndSelfReplacesPredecessorOnceItAnswers() throws {
        let net = member()
        // A notify is a hint: the node first checks that the notifier receives at its address.
        let effects = net.inject(.notify, from: p150, to: me)
        #expect(net[me].predecessor == p100)
        #expect(effects.events.isEmpty)
        #expect(effects.messages.map(\.message) == [.ping])
        #expect(effects.messages.first?.to == p150.address)
        let answered = try answerVerificationPing(net, from: p150)
        #expect(net[me].predecessor == p150)
        #expect(answered.events == [.predecessorChanged(p150)])
        #expect(net[me].successors == [p300])
    }

    @Test func notifierThatNeverAnswersIsNeverAdopted() {
        let net = member()
        net.inject(.notify, from: p150, to: me)
        #expect(net.runUntilQuiet())  // the ping goes unanswered: nobody at 150
        #expect(net.dropped.contains { $0.to == p150.address && $0.message == .ping })
        #expect(net[me].predecessor == p100)
    }

    @Test func notifyWithoutTheCookieIsRefusedAndChangesNothing() {
        let net = member()
        let effects = net.inject(.notify, from: p150, to: me, withCookie: false)
        #expect(net[me].predecessor == p100)
        // The source is told the cookie (only the real 150 would receive it) and nothing else.
        let answer = effects.sends.first
        #expect(effects.sends.count == 1)
        #expect(answer?.envelope.message == .error(.retryWithCookie))
        #expect(answer?.envelope.cookie == net[me].messenger.cookie(for: p150.address))
        #expect(net[me].counters.cookiesDemanded == 1)
    }

    @Test func notifyFromOutsideIntervalIsIgnored() {
        let net = member()
        // 50 lies in (300, 100): neither a better predecessor nor a better successor.
        let effects = net.inject(.notify, from: p50, to: me)
        #expect(net[me].predecessor == p100)
        #expect(effects.isEmpty)
        // Notifying from the current predecessor changes nothing either.
        #expect(net.inject(.notify, from: p100, to: me).isEmpty)
        #expect(net[me].predecessor == p100)
    }

    @Test func notifyFromBetterSuccessorDoesNotChangePredecessor() {
        // 250 is not between 100 and 200, so it is no predecessor; but it claims membership
        // and lies between us and our successor, so it is verified as a successor.
        let net = member()
        let effects = net.inject(.notify, from: p250, to: me)
        #expect(net[me].predecessor == p100)
        #expect(effects.events.isEmpty)
        #expect(effects.messages.map(\.message) == [.getNeighbors])
        #expect(effects.messages.first?.to == p250.address)
    }

    @Test func notifyWithoutPredecessorIsAdoptedOnceItAnswers() throws {
        let net = member()
        net[me].ring.install(predecessor: nil)
        let effects = net.inject(.notify, from: p50, to: me)
        #expect(net[me].predecessor == nil)
        #expect(effects.messages.map(\.message) == [.ping])
        let answered = try answerVerificationPing(net, from: p50)
        #expect(net[me].predecessor == p50)
        #expect(answered.events == [.predecessorChanged(p50)])
    }

    @Test func aloneNodeAdoptsNotifierAsPredecessorAndSuccessorOnceItAnswers() throws {
        let net = ManualNetwork()
        net.add(me)
        net.start(me)
        let effects = net.inject(.notify, from: p300, to: me)
        // It checks the notifier as a closer successor (neighbours) and as a predecessor (ping).
        let sent = effects.messages.map(\.message)
        #expect(sent.count == 2 && sent.contains(.getNeighbors) && sent.contains(.ping))
        #expect(effects.messages.allSatisfy { $0.to == p300.address })
        let answered = try answerVerificationPing(net, from: p300)
        #expect(net[me].predecessor == p300)
        #expect(net[me].successors == [p300])
        #expect(answered.events == [.predecessorChanged(p300), .successorChanged(p300)])
    }
}

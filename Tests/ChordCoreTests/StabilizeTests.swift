import Testing
@testable import ChordCore

// One real node (100) whose neighbours are answered by hand, so every message is visible.
private let me = peer(100)
private let p150 = peer(150), p200 = peer(200), p300 = peer(300), p400 = peer(400), p500 = peer(500), p600 = peer(600)

/// A started member at 100 whose successor list is `successors`, with its first stabilize
/// due: firing the timer sends getNeighbors to the first successor, which the caller answers.
private func member(successors: [Peer], listLength: Int = 3) throws -> (ManualNetwork, Datagram) {
    let net = ManualNetwork()
    net.add(me, config: .testing(successorListLength: listLength, quiet: true))
    net.start(me)
    net[me].ring.install(successors: successors)
    let effects = try #require(net.fireTimer(of: me))
    #expect(effects.messages.map(\.message) == [.getNeighbors])
    #expect(effects.messages.first?.to == successors.first?.address)
    let request = try #require(net.take())
    #expect(net.queue.isEmpty)
    return (net, request)
}

@Suite("Stabilize")
struct StabilizeTests {
    @Test func adoptsSuccessorsPredecessorWhenItLiesBetween() throws {
        let (net, request) = try member(successors: [p300])
        // 300 says its predecessor is 200, between us: 200 is asked before it is adopted.
        let check = net.reply(to: request, from: p300, with: .neighbors(predecessor: p200, successors: [p400, p500]))
        #expect(check.messages.map(\.message) == [.getNeighbors])
        #expect(check.messages.first?.to == p200.address)
        #expect(net[me].successors == [p300])  // not yet

        let verify = try #require(net.take())
        let adopted = net.reply(to: verify, from: p200, with: .neighbors(predecessor: me, successors: [p300, p400]))
        #expect(net[me].successors == [p200, p300, p400])
        #expect(adopted.events == [.successorChanged(p200)])
        // The new successor is notified, and nobody else.
        #expect(adopted.messages.map(\.message) == [.notify])
        #expect(adopted.messages.first?.to == p200.address)
    }

    @Test func keepsSuccessorWhenItsPredecessorIsNotBetween() throws {
        var (net, request) = try member(successors: [p300])
        let predecessors: [Peer?] = [me, p600, nil]
        for predecessor in predecessors {
            let effects = net.reply(to: request, from: p300, with: .neighbors(predecessor: predecessor, successors: [p400]))
            #expect(effects.messages.map(\.message) == [.notify])
            #expect(effects.messages.first?.to == p300.address)
            #expect(net[me].successors == [p300, p400])
            _ = net.take()  // the notify
            // The next round asks the successor again.
            let round = try #require(net.fireTimer(of: me))
            #expect(round.messages.map(\.message) == [.getNeighbors])
            #expect(round.messages.first?.to == p300.address)
            request = try #require(net.take())
        }
    }

    @Test func listIsSuccessorThenItsListTruncatedToR() throws {
        let (net, request) = try member(successors: [p300])
        net.reply(to: request, from: p300, with: .neighbors(predecessor: me, successors: [p400, p500, p600]))
        #expect(net[me].successors == [p300, p400, p500])
    }

    @Test func listDropsSelfAndDuplicates() throws {
        let (net, request) = try member(successors: [p300])
        net.reply(to: request, from: p300, with: .neighbors(predecessor: me, successors: [p300, p400, p400, me, p500]))
        #expect(net[me].successors == [p300, p400, p500])
    }

    @Test func listIsCutWhereItWouldWrapPastTheNode() throws {
        // Ring 100, 300, 400: 300's list wraps through us and goes on; we keep [300, 400].
        let (net, request) = try member(successors: [p300])
        net.reply(to: request, from: p300, with: .neighbors(predecessor: me, successors: [p400, me, p150, p300]))
        #expect(net[me].successors == [p300, p400])

        // Identifiers past 0 still come before us and are kept in order.
        let (net2, request2) = try member(successors: [p300])
        let beyondZero = peer(50)
        net2.reply(to: request2, from: p300, with: .neighbors(predecessor: me, successors: [p400, beyondZero, p150]))
        #expect(net2[me].successors == [p300, p400, beyondZero])
    }

    @Test func successorListOfTwoNodeRingIsJustTheOther() throws {
        let (net, request) = try member(successors: [p300])
        net.reply(to: request, from: p300, with: .neighbors(predecessor: me, successors: [me]))
        #expect(net[me].successors == [p300])
    }
}

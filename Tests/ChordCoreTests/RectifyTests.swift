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

@Suite("Rectify")
struct RectifyTests {
    @Test func notifyFromBetweenPredecessorAndSelfReplacesPredecessor() {
        let net = member()
        let effects = net.inject(.notify, from: p150, to: me)
        #expect(net[me].predecessor == p150)
        #expect(effects.events == [.predecessorChanged(p150)])
        #expect(effects.sends.isEmpty)  // one-way: no answer
        #expect(net[me].successors == [p300])
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

    @Test func notifyWithoutPredecessorIsAdopted() {
        let net = member()
        net[me].ring.install(predecessor: nil)
        let effects = net.inject(.notify, from: p50, to: me)
        #expect(net[me].predecessor == p50)
        #expect(effects.events == [.predecessorChanged(p50)])
    }

    @Test func aloneNodeAdoptsNotifierAsPredecessorAndSuccessor() {
        let net = ManualNetwork()
        net.add(me)
        net.start(me)
        let effects = net.inject(.notify, from: p300, to: me)
        #expect(net[me].predecessor == p300)
        #expect(net[me].successors == [p300])
        #expect(effects.events == [.predecessorChanged(p300), .successorChanged(p300)])
        // It asks its new successor for its neighbours right away.
        #expect(effects.messages.map(\.message) == [.getNeighbors])
        #expect(effects.messages.first?.to == p300.address)
    }
}

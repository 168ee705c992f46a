import Testing
@testable import ChordCore

private let p100 = peer(100), p200 = peer(200), p300 = peer(300)

/// Defaults with fix-fingers and the successor check out of the way; check-predecessor
/// runs every second.
private func config() -> NodeConfig {
    var config = NodeConfig.testing(quiet: true)
    config.checkPredecessorInterval = Nanos.seconds(1)
    return config
}

/// A started member at 100 with successors [200 (silent: nobody there), 300 (scripted)].
/// 300 still names the dead 200 as its predecessor, as a stale neighbour would.
private func memberWithDeadSuccessor() -> ManualNetwork {
    let net = ManualNetwork()
    net.add(p100, config: config())
    net.start(p100)
    net[p100].ring.install(successors: [p200, p300])
    net.script(p300) { envelope in
        switch envelope.message {
        case .getNeighbors: .neighbors(predecessor: p200, successors: [p100])
        case .ping: .pong
        default: nil
        }
    }
    return net
}

@Suite("Failure")
struct FailureTests {
    @Test func silentPredecessorIsClearedAfterRetries() throws {
        let net = ManualNetwork()
        net.add(p200, config: config())
        net.start(p200)
        net[p200].ring.install(predecessor: p100)  // nobody at 100
        net[p200].ring.install(successors: [p300])
        net.script(p300) { envelope in
            envelope.message == .getNeighbors ? .neighbors(predecessor: p200, successors: []) : nil
        }
        #expect(net.run(for: Nanos.seconds(10)))

        let pings = net.sent(from: p200, to: p100) { $0 == .ping }
        let retries = net[p200].config.maintenanceRetries
        #expect(pings.count == 1 + retries)
        #expect(Set(pings.map(\.envelope.requestID)).count == 1)
        #expect(net[p200].predecessor == nil)
        let events = net.events(of: p200)
        #expect(events.filter { $0 == .peerDeclaredDead(p100) }.count == 1)
        #expect(events.contains(.predecessorChanged(nil)))
        // Declared dead only after the last retransmission went unanswered.
        let death = try #require(net.log.first { $0.node == p200.address && $0.effect.event == .peerDeclaredDead(p100) })
        let lastPing = try #require(pings.last)
        #expect(death.time > lastPing.sentAt)
        #expect(net[p200].counters.peersDeclaredDead == 1)
    }

    @Test func deadFirstSuccessorIsRemovedAndStabilizeMovesOn() throws {
        let net = memberWithDeadSuccessor()
        #expect(net.run(for: Nanos.seconds(10)))

        #expect(net[p100].successors == [p300])
        let deathIndex = try #require(net.log.firstIndex { $0.effect.event == .peerDeclaredDead(p200) })
        let death = net.log[deathIndex]
        #expect(net.events(of: p100).contains(.successorChanged(p300)))
        // Stabilize asks the next successor at once.
        let next = net.log[(deathIndex + 1)...].first { $0.effect.sent != nil }
        #expect(next?.effect.sent?.envelope.message == .getNeighbors)
        #expect(next?.effect.sent?.to == p300.address)
        #expect(next?.time == death.time)
        // 300's stale report of 200 as its predecessor does not bring 200 back right after.
        let probes = net.sent(from: p100, to: p200) { $0 == .getNeighbors }
        #expect(probes.allSatisfy { $0.sentAt < death.time || $0.sentAt - death.time >= 2 * net[p100].config.stabilizeInterval })
        #expect(net.sent(from: p100, to: p300) { $0 == .notify }.isEmpty == false)
    }

    @Test func retransmissionsReuseTheRequestID() throws {
        let net = memberWithDeadSuccessor()
        // Only the first stabilize round: stop as soon as 200 is declared dead.
        for _ in 0..<20 where !net.events(of: p100).contains(.peerDeclaredDead(p200)) {
            net.runUntilQuiet()
            try #require(net.fireTimer(of: p100) != nil)
        }
        let requests = net.sent(from: p100, to: p200)
        #expect(requests.count == 1 + net[p100].config.maintenanceRetries)
        let first = try #require(requests.first)
        #expect(first.message == .getNeighbors)
        #expect(requests.allSatisfy { $0.envelope == first.envelope })
        // Each retransmission waits longer than the one before (back-off).
        let gaps = zip(requests.dropFirst(), requests).map { $0.sentAt - $1.sentAt }
        #expect(gaps == gaps.sorted() && Set(gaps).count == gaps.count)
        #expect(net[p100].counters.retransmissions == net[p100].config.maintenanceRetries)
        #expect(net[p100].counters.rpcFailures == 1)
    }
}

import Testing
@testable import ChordCore

private let a = peer(100), b = peer(200), c = peer(300), d = peer(400)

/// A join that makes no progress says so, and why; join targets found again by the runner
/// replace the ones given at start.
@Suite("Join stalls and targets")
struct JoinStallTests {
    /// The stall reports of `node`, with when they came.
    private func stalls(of node: Peer, in net: ManualNetwork) -> [(time: Instant, stall: JoinStall)] {
        net.log.compactMap { logged in
            guard logged.node == node.address, case .event(.joinStalled(let stall)) = logged.effect else { return nil }
            return (logged.time, stall)
        }
    }

    @Test func silentTargetIsReportedAfterFiveSecondsThenAtGrowingIntervals() throws {
        let net = ManualNetwork()
        net.add(b)
        net.start(b, bootstrap: a)  // nobody at a
        #expect(net.run(for: Nanos.seconds(300)))
        #expect(net[b].phase == .joining(bootstrap: a.address))

        let reports = stalls(of: b, in: net)
        let first = try #require(reports.first)
        #expect(first.time == Instant(nanoseconds: net[b].config.joinStallReport))
        #expect(first.stall == JoinStall(reason: .noAnswer, waited: Nanos.seconds(5), tried: [a.address], advertised: b.address))
        // Not one line per attempt (an attempt takes about 6 s): the gaps double.
        #expect(reports.count >= 4 && reports.count <= 7, "\(reports.map(\.time))")
        let gaps = zip(reports.dropFirst(), reports).map { $0.time - $1.time }
        for (later, earlier) in zip(gaps.dropFirst(), gaps) { #expect(later >= 2 * earlier - Nanos.seconds(6)) }
        #expect(gaps.allSatisfy { $0 >= Nanos.seconds(10) })
        #expect(reports.allSatisfy { $0.stall.reason == .noAnswer })
        // A silent attempt probes its target once, without naming the node.
        let probes = net.sent(from: b, to: a) { $0 == .ping }
        #expect(!probes.isEmpty && probes.allSatisfy { $0.envelope.sender == nil })
    }

    @Test func everyTargetIsTriedInTurn() {
        var config = NodeConfig.testing()
        config.fallbackBootstraps = [c.address, d.address, a.address]  // a twice: tried once per round
        let net = ManualNetwork()
        net.add(b, config: config)
        net.start(b, bootstrap: a)  // nobody at a, c or d
        #expect(net.run(for: Nanos.seconds(30)))
        for target in [a, c, d] {
            #expect(!net.sent(from: b, to: target) { $0 == .findNext(target: b.id) }.isEmpty, "\(target)")
        }
        let report = stalls(of: b, in: net).last?.stall
        #expect(report?.tried == [a.address, c.address, d.address])
    }

    @Test func freshTargetsReplaceTheOnesGivenAtStart() {
        let net = ManualNetwork()
        net.add(c)
        net.add(b)
        net.start(c)
        net.start(b, bootstrap: a)  // nobody at a; the runner then finds the name at c
        #expect(net.run(for: Nanos.seconds(2)))
        net.handle(.joinTargets([c.address]), at: b)
        #expect(net.run(for: Nanos.seconds(15)))
        #expect(net[b].phase == .member)
        #expect(net[b].successors == [c])
        #expect(!net.sent(from: b, to: c) { $0 == .findNext(target: b.id) }.isEmpty)
        // Once a member, new targets change nothing.
        #expect(net.handle(.joinTargets([a.address]), at: b).isEmpty)
    }

    @Test func joinThatSucceedsAtOnceSendsNoProbe() {
        let net = ManualNetwork()
        net.add(a)
        net.add(b)
        net.start(a)
        net.start(b, bootstrap: a)
        #expect(net.run(for: Nanos.seconds(10)))
        #expect(net[b].phase == .member)
        let anonymous = net.sent(from: b, to: a).filter { $0.envelope.sender == nil && !$0.message.isResponse }
        #expect(anonymous.isEmpty, "\(anonymous.map { ($0.sentAt, $0.message) })")
        #expect(stalls(of: b, in: net).isEmpty)
    }

    /// b advertises 127.0.0.1:200, but its datagrams reach a from `real` (as from a host with
    /// another address, or behind an unexpected NAT); a answers `real`, which reaches b.
    @Test func targetThatAnswersOnlyTheProbeMeansTheAdvertisedAddressIsNotTheSource() throws {
        let real = NodeAddress(ipv4: 0x7F00_0002, port: 200)
        let net = ManualNetwork()
        net.add(a)
        net.add(b)
        net.start(a)
        net.start(b, bootstrap: a)
        for _ in 0..<200 where stalls(of: b, in: net).isEmpty {
            // Carry b's datagrams to a from `real`, and a's answers to `real` back to b.
            while let datagram = net.take(where: { $0.from == b.address || $0.to == real }) {
                net.advance(to: datagram.arrival)
                if datagram.from == b.address {
                    net.handle(.received(datagram.envelope, from: real), at: a)
                } else {
                    net.handle(.received(datagram.envelope, from: a.address), at: b)
                }
            }
            try #require(net.fireTimer(of: b) != nil)
        }
        let report = try #require(stalls(of: b, in: net).first?.stall)
        #expect(report.reason == .advertisedAddressUnseen(target: a.address))
        #expect(report.advertised == b.address)
        #expect(net[a].counters.forgedSenders > 0)  // a dropped every request naming b
        #expect(net[b].phase == .joining(bootstrap: a.address))
    }
}

@testable import ChordCore
@testable import ChordSim
import Testing

/// The invariant checker really catches broken rings. Faults are injected through `@testable`
/// access (`Ring.install`, the test fixture door of the ring, and the simulator's internal state),
/// so the sources carry no test-only hooks.
@Suite("Invariant checker")
struct InvariantCheckerTests {
    /// A ring of `nodes` built by the protocol and run until exact.
    static func convergedSimulation(seed: UInt64, nodes: Int) throws -> Simulation {
        let simulation = Simulation(seed: seed)
        for _ in 0..<nodes { simulation.addHost() }
        simulation.start(0, bootstrap: nil)
        for index in 1..<nodes {
            try simulation.run(for: Nanos.milliseconds(200))
            simulation.start(index, bootstrap: simulation.scenarioRandom.nextInt(below: index))
        }
        var waited = 0
        while !simulation.isExact && waited < 600 {
            try simulation.run(for: Nanos.milliseconds(100))
            waited += 1
        }
        try #require(simulation.isExact, "ring of \(nodes) not exact: \(simulation.exactness())")
        try simulation.run(for: Nanos.seconds(5))
        try #require(simulation.isExact)
        return simulation
    }

    // MARK: Ring invariants, through the simulator

    @Test("Splitting the ring into three rings is caught by the next run")
    func splitRingCaughtByRun() throws {
        let simulation = try Self.convergedSimulation(seed: 11, nodes: 12)
        let ring = simulation.memberIndices  // identifier order
        // Each third's last member points back to the third's first: three cycles. Even if one
        // of them is repaired by the first event, two rings remain.
        for third in 0..<3 {
            let first = ring[third * 4], last = ring[third * 4 + 3]
            simulation.corruptSuccessors(of: last, [simulation.peer(first)])
        }
        let violation = #expect(throws: InvariantViolation.self) {
            try simulation.run(for: Nanos.seconds(1))
        }
        #expect(violation?.message.contains("rings among 12 members") == true, "\(String(describing: violation))")
        #expect(violation?.seed == 11)
        #expect(violation.map { $0.step > 0 } == true)
    }

    @Test("A single ring that wraps twice round the identifier space is caught by a forced check")
    func unorderedRingCaught() throws {
        let simulation = try Self.convergedSimulation(seed: 12, nodes: 5)
        let ring = simulation.memberIndices
        // i -> i + 2 (mod 5): 0 2 4 1 3 0, one cycle that goes round twice.
        for position in 0..<5 {
            simulation.corruptSuccessors(of: ring[position], [simulation.peer(ring[(position + 2) % 5])])
        }
        let violation = #expect(throws: InvariantViolation.self) {
            try simulation.checkRingIfDue(force: true)
        }
        #expect(violation?.message.contains("is not ordered") == true, "\(String(describing: violation))")
        #expect(violation?.message.contains("wraps 2 times") == true, "\(String(describing: violation))")
    }

    @Test("An appendage skipping a ring member is tolerated within the grace, caught after it")
    func appendageSkipCaughtAfterGrace() throws {
        let simulation = try Self.convergedSimulation(seed: 13, nodes: 8)
        let ring = simulation.memberIndices
        // ring[2] skips ring[3], which becomes an appendage; ring[3] skips ring[4], a ring member.
        simulation.corruptSuccessors(of: ring[2], ring[3...].prefix(8).dropFirst().map(simulation.peer))
        simulation.corruptSuccessors(of: ring[3], (ring[5...] + ring[..<3]).prefix(7).map(simulation.peer))
        try simulation.checkRingIfDue(force: true)  // a stale join answer may do this briefly
        #expect(simulation.transientAppendageViolations == 1)
        // Let the grace pass with no event processed (nothing can repair it meanwhile).
        simulation.queue.advance(to: simulation.now + simulation.appendageGrace + Nanos.seconds(1))
        let violation = #expect(throws: InvariantViolation.self) {
            try simulation.checkRingIfDue(force: true)
        }
        let expected = "ring member \(simulation.hosts[ring[4]].address) lies between appendage \(simulation.hosts[ring[3]].address)"
        #expect(violation?.message.contains(expected) == true, "\(String(describing: violation))")
    }

    @Test("A healthy ring passes a forced check")
    func healthyRingPasses() throws {
        let simulation = try Self.convergedSimulation(seed: 14, nodes: 8)
        try simulation.checkRingIfDue(force: true)
        #expect(simulation.ringProblem() == nil)
    }

    // MARK: Local successor-list checks

    /// A lone core at a chosen identifier with successor list `ids`, r = 4.
    static func core(listing ids: [UInt64]) -> ChordNode {
        var config = NodeConfig()
        config.successorListLength = 4
        let me = Peer(id: Identifier(100), address: NodeAddress(ipv4: 0x0A00_0001, port: 4000))
        let core = ChordNode(me: me, config: config, seed: 1)
        core.ring.install(successors: ids.map { id in
            id == 100 ? me : Peer(id: Identifier(id), address: NodeAddress(ipv4: 0x0A00_1000 | UInt32(id), port: 4000))
        })
        return core
    }

    @Test("A list ordered clockwise from the node, wrapping past zero, has no problem")
    func validListAccepted() {
        #expect(Simulation.successorListProblem(Self.core(listing: [101, 200, 5, 99])) == nil)
        #expect(Simulation.successorListProblem(Self.core(listing: [])) == nil)
    }

    @Test("The node itself in its successor list is caught")
    func selfInListCaught() {
        let problem = Simulation.successorListProblem(Self.core(listing: [150, 100, 20]))
        #expect(problem == .containsOwner)
        #expect(problem?.description == "successor list contains the node itself")
    }

    @Test("A duplicate in the successor list is caught")
    func duplicateCaught() {
        let problem = Simulation.successorListProblem(Self.core(listing: [150, 200, 200]))
        #expect(problem == .duplicate(Peer(id: Identifier(200), address: NodeAddress(ipv4: 0x0A00_1000 | 200, port: 4000))))
        #expect(problem?.description.hasPrefix("successor list has a duplicate") == true, "\(String(describing: problem))")
    }

    @Test("A successor list out of clockwise order is caught (including across zero)",
          arguments: [[200, 150], [150, 5, 200], [5, 101]] as [[UInt64]])
    func outOfOrderCaught(ids: [UInt64]) {
        let problem = Simulation.successorListProblem(Self.core(listing: ids))
        #expect(problem?.description.hasPrefix("successor list out of order") == true, "\(String(describing: problem))")
    }

    @Test("A successor list longer than r is caught")
    func tooLongCaught() {
        let problem = Simulation.successorListProblem(Self.core(listing: [101, 102, 103, 104, 105]))
        #expect(problem == .tooLong(count: 5, limit: 4))
        #expect(problem?.description == "successor list longer than r")
    }
}

extension Simulation {
    /// Host `index` as a peer.
    func peer(_ index: Int) -> Peer { Peer(id: hosts[index].id, address: hosts[index].address) }

    /// Test fault injection: overwrites a running core's successor list and marks the
    /// structure changed, as a real successor change would.
    func corruptSuccessors(of index: Int, _ list: [Peer]) {
        hosts[index].core?.ring.install(successors: list)
        structureChanged = true
    }
}

import ChordCore
import ChordSim
import Testing

/// Rings built by the protocol itself become exact: every first successor, predecessor and
/// successor list right.
@Suite("Convergence")
struct ConvergenceTests {
    /// 50 nodes joining within 10 s through random members: the ring is exact within the
    /// convergence limit, with no invariant broken on the way.
    @Test("Mass join of 50 nodes becomes exact within the limit", arguments: [UInt64(1), 2, 3, 4, 5])
    func massJoinBecomesExact(seed: UInt64) {
        let settings = settings(seed: seed, nodes: 50)
        let report = Scenario.join.run(settings)
        expectPassed(report)
        let exactAfter = report.number("exact_after_s")
        #expect(exactAfter != nil, "exact_after_s is \(String(describing: report.figure("exact_after_s")))")
        if let exactAfter {
            #expect(exactAfter > 0)
            #expect(exactAfter <= Double(settings.convergenceLimit) / 1e9)
        }
        #expect(report.number("exact_after_last_join_s").map { $0 >= 0 } == true)
        #expect(report.number("nodes") == 50)
    }

    /// Rings with fewer than r members: every successor list holds all the others (N − 1),
    /// and stays exact under a minute of maintenance.
    @Test("Rings smaller than the successor list converge and stay exact",
          arguments: [1, 2, 3], [UInt64(1), 2, 3])
    func smallRingStaysExact(nodes: Int, seed: UInt64) throws {
        var config = NodeConfig()
        config.successorListLength = 8
        let simulation = Simulation(seed: seed, nodeConfig: config)
        for _ in 0..<nodes { simulation.addHost() }
        simulation.start(0, bootstrap: nil)
        for index in 1..<max(1, nodes) {
            try simulation.run(for: Nanos.milliseconds(300))
            simulation.start(index, bootstrap: index - 1)
        }
        var waited = 0
        while !simulation.isExact && waited < 600 {
            try simulation.run(for: Nanos.milliseconds(100))
            waited += 1
        }
        #expect(simulation.isExact, "not exact after 60 s: \(simulation.exactness())")
        for _ in 0..<60 {
            try simulation.run(for: Nanos.seconds(1))
            let exactness = simulation.exactness()
            #expect(exactness.pointersExact, "\(exactness)")
            #expect(exactness.inexactSuccessorLists == 0, "\(exactness)")
            #expect(exactness.members == nodes)
            for index in simulation.memberIndices {
                let core = try #require(simulation.hosts[index].core)
                #expect(core.successors.count == nodes - 1, "host \(index): \(core.successors)")
                #expect(!core.successors.contains(core.me))
            }
        }
    }
}

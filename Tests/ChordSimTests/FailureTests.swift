import ChordCore
import ChordSim
import Testing

/// The ring survives failures: a mass crash, churn with loss, and a partition that heals.
@Suite("Failures")
struct FailureTests {
    /// A quarter of a 60-node ring crashes at once: the ring is repaired, and the lookups
    /// issued during the repair end at the true owner or fail, never wrong, never hung.
    @Test("Crashing 25% of 60 nodes at once: repaired, no wrong owners, no hung lookups",
          arguments: [UInt64(1), 2, 3, 4, 5])
    func massCrashRepairs(seed: UInt64) {
        let report = Scenario.crash.run(settings(seed: seed, nodes: 60) { $0.crashFraction = 0.25 })
        expectPassed(report)
        #expect(report.number("crashed") == 15)
        #expect(report.number("repair_s") != nil, "repair_s is \(String(describing: report.figure("repair_s")))")
        #expect(report.number("lookups_during_repair").map { $0 > 0 } == true)
        #expect(report.number("lookups_wrong_owner") == 0)
        #expect(report.number("lookups_hung") == 0)
    }

    /// Churn settings: 40 nodes, 60 s median sessions (about one failure every 2 s), 90 s of
    /// churn, 1% loss.
    static func churnSettings(seed: UInt64) -> ScenarioSettings {
        settings(seed: seed, nodes: 40) {
            $0.medianSession = Nanos.seconds(60)
            $0.duration = Nanos.seconds(90)
            $0.network.lossRate = 0.01
        }
    }

    @Test("Short heavy churn with 1% loss: lookups correct, ring exact afterwards",
          arguments: [UInt64(1), 2, 3, 4, 5, 33])
    func churnPasses(seed: UInt64) {
        let report = Scenario.churn.run(Self.churnSettings(seed: seed))
        expectPassed(report)
        #expect(report.number("crashes").map { $0 > 10 } == true)
        #expect(report.number("correct_pct").map { $0 >= 99 } == true)
        #expect(report.number("hung") == 0)
        #expect(report.number("exact_after_churn_s") != nil,
                "exact_after_churn_s is \(String(describing: report.figure("exact_after_churn_s")))")
    }

    /// Seed 8: a host restarts and joins through a member that crashes before answering. The
    /// joiner must get in through the members that still write to its address.
    @Test("A joiner whose only bootstrap crashes gets in through members that contact it")
    func joinerWithDeadBootstrap() {
        let report = Scenario.churn.run(Self.churnSettings(seed: 8))
        expectPassed(report)
        #expect(report.number("hung") == 0)
    }

    /// 40 nodes split at random into two sides for 20 s, then healed: the sides re-merge into
    /// one exact ring, and the single-ring invariant holds again after the merge.
    @Test("Partition of 40 nodes for 20 s re-merges into one exact ring", arguments: [UInt64(1), 2, 3, 4, 5])
    func partitionHeals(seed: UInt64) {
        let report = Scenario.partition.run(settings(seed: seed, nodes: 40) { $0.duration = Nanos.seconds(20) })
        expectPassed(report)
        #expect(report.number("exact_after_heal_s") != nil,
                "exact_after_heal_s is \(String(describing: report.figure("exact_after_heal_s")))")
    }
}

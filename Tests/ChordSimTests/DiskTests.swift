import ChordCore
import ChordSim
import Testing

/// Hosts with simulated disks: a crash loses only the unsynced tail, a restarted host
/// recovers its store, and nothing acknowledged is lost even when a key's every replica is
/// down for a while.
@Suite("Disks")
struct DiskTests {
    /// 40 nodes under churn (60 s median sessions) with a store workload; crashed hosts come
    /// back with their disks after `downtime`.
    static func storeSettings(seed: UInt64, disks: Bool = true, downtime: Int64 = Nanos.seconds(5),
                              outages: Bool = false) -> ScenarioSettings {
        settings(seed: seed, nodes: 40) {
            $0.keys = 300
            $0.operationRate = 60
            $0.duration = Nanos.seconds(90)
            $0.churn = true
            $0.medianSession = Nanos.seconds(60)
            $0.disks = disks
            $0.downtime = downtime
            if outages {
                $0.outageEvery = Nanos.seconds(25)
                $0.outageDowntime = Nanos.seconds(15)
            }
        }
    }

    @Test("Churn where crashed hosts restart with their disks: nothing acknowledged lost, no wrong read",
          arguments: [UInt64(1), 2])
    func churnWithDisks(seed: UInt64) {
        let report = Scenario.store.run(Self.storeSettings(seed: seed))
        expectPassed(report)
        #expect(report.number("crashes").map { $0 > 20 } == true)
        #expect(report.number("lost_writes") == 0)
        #expect(report.number("reads_wrong") == 0)
        #expect(report.number("disk_batches_synced").map { $0 > 1000 } == true)
    }

    @Test("Whole replica sets down for 15 s at a time: their keys come back, nothing acknowledged lost",
          arguments: [UInt64(3), 4])
    func replicaSetOutages(seed: UInt64) {
        let report = Scenario.store.run(Self.storeSettings(seed: seed, outages: true))
        expectPassed(report)
        #expect(report.number("replica_set_outages") == 3)
        #expect(report.number("lost_writes") == 0)
        #expect(report.number("reads_wrong") == 0)
    }

    @Test("The same outages without disks lose acknowledged writes (the check can fail)")
    func outagesWithoutDisksLoseWrites() {
        // Many keys, so that most are written once and a lost write is not overwritten later.
        var settings = Self.storeSettings(seed: 3, disks: false, outages: true)
        settings.keys = 3000
        let report = Scenario.store.run(settings)
        #expect(report.number("lost_writes").map { $0 > 0 } == true, "\(report.summary)")
        #expect(!report.passed)
        settings.disks = true
        let withDisks = Scenario.store.run(settings)
        expectPassed(withDisks)
        #expect(withDisks.number("lost_writes") == 0)
    }

    @Test("A run with disks replays exactly")
    func replays() {
        var settings = Self.storeSettings(seed: 5, outages: true)
        settings.duration = Nanos.seconds(40)
        let first = Scenario.store.run(settings)
        let second = Scenario.store.run(settings)
        #expect(first.traceHash == second.traceHash)
        #expect(first.steps == second.steps)
    }
}

import ChordCore
import ChordSim
import Testing

/// A store workload across a partition: 6 of 16 hosts are cut off for the middle half of the
/// run, each side goes on writing, then the sides heal. Reads during the partition may be
/// stale; after the heal every key must read back its latest acknowledged write, which may
/// have been acknowledged on either side. (Seeds 2 and 5 lost 18 and 35 writes before stale
/// copies were handed to their owners after a merge.)
@Suite("Store across a partition")
struct PartitionStoreTests {
    @Test("a healed partition loses no acknowledged write, from either side", arguments: [UInt64(2), 5])
    func healedPartitionLosesNothing(seed: UInt64) {
        let report = Scenario.store.run(settings(seed: seed, nodes: 16) {
            $0.keys = 2000
            $0.operationRate = 200
            $0.duration = Nanos.seconds(80)
            $0.split = 0.375
        })
        expectPassed(report)
        #expect(report.number("lost_writes") == 0)
        #expect(report.number("unanswered_reads") == 0)
        // The sides really were apart: reads saw the other side's writes late.
        #expect(report.number("reads_stale_across_partition").map { $0 > 100 } == true)
    }
}

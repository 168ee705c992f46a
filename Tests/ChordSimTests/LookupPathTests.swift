import ChordCore
import ChordSim
import Testing

/// On a settled ring, iterative lookups are correct and short: Chord's ½·log2 N hops.
@Suite("Lookup paths")
struct LookupPathTests {
    @Test("On a settled ring every lookup is correct, mean hops <= ½·log2 N + 0.5",
          arguments: [(64, UInt64(1)), (128, 1), (128, 2)])
    func lookupsAreCorrectAndShort(nodes: Int, seed: UInt64) {
        let report = Scenario.lookups.run(settings(seed: seed, nodes: nodes) { $0.lookups = 1000 })
        expectPassed(report)
        #expect(report.number("lookups") == 1000)
        #expect(report.number("completed") == 1000)
        #expect(report.number("correct_pct") == 100)
        let bound = 0.5 * binaryLog(nodes) + 0.5
        let mean = report.number("hops_mean")
        #expect(mean != nil)
        if let mean { #expect(mean <= bound, "mean hops \(mean) > \(bound)") }
        #expect(report.number("finger_accuracy").map { $0 >= 0.999 } == true)
    }
}

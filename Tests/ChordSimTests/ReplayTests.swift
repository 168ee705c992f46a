import ChordCore
import ChordSim
import Testing

/// The simulator is deterministic: a seed and settings replay the same run event by event.
@Suite("Replay")
struct ReplayTests {
    /// Small but eventful settings for each scenario, with loss and duplication so that the
    /// network's draws matter too.
    static func eventfulSettings(seed: UInt64) -> ScenarioSettings {
        settings(seed: seed, nodes: 30) {
            $0.network.lossRate = 0.01
            $0.network.duplicateRate = 0.01
            $0.lookups = 300
            $0.medianSession = Nanos.seconds(60)
            $0.duration = Nanos.seconds(20)
        }
    }

    @Test("The same seed and settings give the same trace hash, steps and figures",
          arguments: Scenario.allCases)
    func sameSeedReplays(scenario: Scenario) {
        let settings = Self.eventfulSettings(seed: 7)
        let first = scenario.run(settings)
        let second = scenario.run(settings)
        #expect(first.steps > 0)
        #expect(first.traceHash.count == 16)
        #expect(first.traceHash == second.traceHash)
        #expect(first.steps == second.steps)
        #expect(first.figures.map(\.0) == second.figures.map(\.0))
        #expect(first.figures.map(\.1) == second.figures.map(\.1))
        #expect(first.passed == second.passed)
    }

    @Test("Different seeds give different trace hashes")
    func differentSeedsDiffer() {
        let seeds: [UInt64] = [1, 2, 3, 4, 5]
        let hashes = seeds.map { Scenario.join.run(settings(seed: $0, nodes: 30)).traceHash }
        #expect(Set(hashes).count == seeds.count, "\(zip(seeds, hashes).map { "\($0): \($1)" })")
    }
}

import ChordCore
import ChordSim
import Testing

/// One run per test session from a fresh seed, to explore beyond the fixed seeds. The seed is
/// printed so that a failure can be replayed with chord-sim.
@Suite("Random seed")
struct RandomSeedTests {
    @Test("Mass join from a random seed passes (seed printed for replay)")
    func massJoinWithRandomSeed() {
        var system = SystemRandomNumberGenerator()
        let seed = system.next() % 1_000_000_000
        let replay = "chord-sim join --seed \(seed) --nodes 50 --loss 0.01 --duplicate 0.01"
        print("RandomSeedTests: seed \(seed); replay with: \(replay)")
        let report = Scenario.join.run(settings(seed: seed, nodes: 50) {
            $0.network.lossRate = 0.01
            $0.network.duplicateRate = 0.01
        })
        #expect(report.passed, "replay with: \(replay) -- \(report.summary)")
        #expect(report.number("exact_after_s") != nil, "replay with: \(replay)")
    }
}

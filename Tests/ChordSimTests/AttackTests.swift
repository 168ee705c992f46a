import ChordCore
import ChordSim
import Testing

/// The five attacks of docs/PROTOCOL.md's "Trust" section, by adversary hosts in the
/// simulator, do no harm.
@Suite("Attacks")
struct AttackTests {
    @Test("Adversaries take no range, serve no forged value, lose no write, amplify at most 3x",
          arguments: [UInt64(1), 2, 3])
    func attacksDoNoHarm(seed: UInt64) {
        let report = Scenario.attacks.run(settings(seed: seed, nodes: 30) { $0.keys = 40 })
        expectPassed(report)
        #expect(report.number("range_changes") == 0)
        #expect(report.number("forged_values_served") == 0)
        #expect(report.number("acknowledged_writes_lost") == 0)
        #expect(report.number("unverified_adoptions") == 0)
        #expect(report.number("max_amplification").map { $0 > 0 && $0 <= 3 } == true)
        // The attacks really were made: the hosts dropped or refused what the adversaries sent.
        #expect(report.number("forged_datagrams_dropped").map { $0 > 50 } == true)
    }
}

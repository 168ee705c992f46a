import CommandLineSupport
import ToolSupport

/// Everything a run measured, printed as a table or one JSON object.
struct ChurnReport {
    let settings: ChurnSettings
    var during = OperationTally()
    var outside = OperationTally()
    var verification = Verification()
    /// From the end of churn (or of the kill) until the ring was exact; nil: not within the limit.
    var exactAfter: Duration?
    /// The same, from the last kill.
    var exactAfterLastKill: Duration?
    /// From the ring being exact until every key read back right; nil: not within the limit.
    var repairAfter: Duration?
    var kills = 0
    var restarts = 0
    /// With a partition: the operations during it by side ("majority", "minority").
    var sides: [(side: String, tally: OperationTally)] = []
    /// Scenario-specific lines: (JSON name, JSON value, text for the table).
    var details: [(name: String, json: String, text: String)] = []
    /// Why the run could not finish, if it could not.
    var failure: String?

    /// No acknowledged write lost, every key read back, the ring exact, nothing broke.
    var passed: Bool {
        failure == nil && exactAfter != nil && verification.lost == 0 && verification.unreadable == 0
    }

    private func optionalSeconds(_ duration: Duration?) -> String {
        duration.map { JSONText.number(seconds($0)) } ?? "null"
    }

    private func tallyJSON(_ tally: OperationTally) -> String {
        JSONText.object([
            ("ops", String(tally.ops)), ("ok", String(tally.ok)), ("failed", String(tally.failed)),
            ("wrong_reads", String(tally.wrongReads)), ("retried", String(tally.retried)),
            ("success_percent", JSONText.number(tally.successPercent, decimals: 3)),
            ("p50_ms", JSONText.number(tally.percentile(0.5))), ("p99_ms", JSONText.number(tally.percentile(0.99))),
            ("failures", JSONText.object(tally.reasons.sorted { $0.key < $1.key }.map { ($0.key, String($0.value)) })),
        ])
    }

    private func reasonsText(_ tally: OperationTally) -> String {
        tally.reasons.isEmpty ? "none" : tally.reasons.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
    }

    /// One JSON object.
    var json: String {
        var members: [(String, String)] = [
            ("scenario", JSONText.string(settings.scenario.rawValue)), ("seed", String(settings.seed)),
            ("nodes", String(settings.nodes)), ("duration_s", JSONText.number(seconds(settings.duration))),
            ("schedule", JSONText.string(settings.scheduleText)), ("restart", JSONText.string(settings.restart.rawValue)),
            ("replicas", String(settings.replicas)), ("write_quorum", String(settings.writeQuorum)),
            ("read_quorum", String(settings.readQuorum)), ("stabilize_s", settings.stabilize),
            ("keys", String(settings.keys)), ("ops_rate", JSONText.number(settings.opsRate)),
            ("clients", String(settings.clients)), ("faults", JSONText.string(settings.faultArguments.joined(separator: " "))),
            ("during_churn", tallyJSON(during)), ("outside_churn", tallyJSON(outside)),
            ("wrong_reads", String(during.wrongReads + outside.wrongReads)),
            ("lost_writes", String(verification.lost)), ("unreadable_keys", String(verification.unreadable)),
            ("keys_verified", String(verification.correct)),
            ("examples", JSONText.array(verification.examples.map { JSONText.string($0) })),
            ("ring_exact_after_s", optionalSeconds(exactAfter)),
            ("ring_exact_after_last_kill_s", optionalSeconds(exactAfterLastKill)), ("repair_after_s", optionalSeconds(repairAfter)),
            ("kills", String(kills)), ("restarts", String(restarts)),
        ]
        members += sides.map { ("partition_\($0.side)_side", tallyJSON($0.tally)) }
        members += details.map { ($0.name, $0.json) }
        members += [("failure", JSONText.string(failure)), ("passed", passed ? "true" : "false")]
        return JSONText.object(members)
    }

    /// The table.
    var table: String {
        func row(_ name: String, _ tally: OperationTally) -> String {
            let cells = [String(tally.ops), String(tally.ok), String(tally.failed), String(tally.wrongReads),
                         JSONText.number(tally.successPercent, decimals: 2) + "%",
                         JSONText.number(tally.percentile(0.5)), JSONText.number(tally.percentile(0.99))]
            return name.padding(toLength: 16, withPad: " ", startingAt: 0)
                + cells.map { $0.padding(toLength: 10, withPad: " ", startingAt: 0) }.joined()
        }
        var lines = [
            "\(settings.scenario.rawValue): \(settings.nodes) nodes, replicas \(settings.replicas) "
                + "(W \(settings.writeQuorum), R' \(settings.readQuorum)), stabilize \(settings.stabilize) s, "
                + "\(settings.keys) keys, seed \(settings.seed)",
        ]
        if !settings.faultArguments.isEmpty {
            lines.append("injected faults on every node: " + settings.faultArguments.joined(separator: " "))
        }
        if settings.scenario == .partition {
            lines.append("partition under \(JSONText.number(settings.opsRate)) ops/s from \(settings.clients) clients, "
                + "each client on its node's host")
        }
        if settings.scenario == .churn {
            lines.append("churn: \(secondsText(settings.duration)) s, \(settings.scheduleText), restart \(settings.restart.rawValue), "
                + "\(JSONText.number(settings.opsRate)) ops/s from \(settings.clients) clients")
        }
        lines += [
            "",
            "phase           ops       ok        failed    wrong     success   p50 ms    p99 ms",
            row("during churn", during),
            row("outside churn", outside),
        ]
        lines += sides.map { row("\($0.side) side", $0.tally) }
        lines += [
            "",
            "failures             during: \(reasonsText(during)); outside: \(reasonsText(outside))"
                + sides.map { "; \($0.side) side: \(reasonsText($0.tally))" }.joined(),
            "wrong reads          \(during.wrongReads + outside.wrongReads)",
            "lost writes          \(verification.lost) (of \(settings.keys) keys; \(verification.unreadable) unreadable)",
            "ring exact after     " + (exactAfter.map { JSONText.number(seconds($0)) + " s" } ?? "NOT within the limit")
                + (exactAfterLastKill.map { " (" + JSONText.number(seconds($0)) + " s after the last kill)" } ?? ""),
            "keys right after     " + (repairAfter.map { JSONText.number(seconds($0)) + " s more" } ?? "NOT within the limit"),
            "kills / restarts     \(kills) / \(restarts)",
        ]
        lines += details.map { detail in
            let label = detail.name.replacingUnderscores
            return label.padding(toLength: max(21, label.count + 1), withPad: " ", startingAt: 0) + detail.text
        }
        lines += verification.examples.map { "  " + $0 }
        if let failure { lines.append("FAILED: \(failure)") }
        lines.append(passed ? "PASS" : "FAIL")
        return lines.joined(separator: "\n")
    }
}

private extension String {
    var replacingUnderscores: String { String(map { $0 == "_" ? " " : $0 }) }
}

import CommandLineSupport

/// Prints a scenario report as an aligned table or as one JSON object.
public enum ReportPrinter {
    /// A two-column table of figures, then the verdict.
    public static func table(_ report: ScenarioReport, wallSeconds: Double, eventsPerSecond: Double,
                             replayMatches: Bool?) -> String {
        var rows: [(String, String)] = [("scenario", report.scenario), ("seed", String(report.seed))]
        rows += report.figures.map { ($0.0, $0.1.description) }
        rows.append(("wall_s", formatNumber(wallSeconds)))
        rows.append(("events_per_wall_s", formatNumber(eventsPerSecond.rounded())))
        if let replayMatches { rows.append(("replay_identical", replayMatches ? "yes" : "NO")) }
        let width = rows.map(\.0.count).max() ?? 0
        var lines = rows.map { $0.0 + String(repeating: " ", count: width - $0.0.count + 2) + $0.1 }
        if let violation = report.violation {
            lines.append("FAIL: \(violation)")
            lines.append("replay with: --seed \(report.seed) (same options)")
        }
        for failure in report.failures { lines.append("FAIL: \(failure)") }
        if report.passed && replayMatches != false { lines.append("PASS") }
        return lines.joined(separator: "\n")
    }

    /// One JSON object with every figure, the verdict and any failures.
    public static func json(_ report: ScenarioReport, wallSeconds: Double, eventsPerSecond: Double,
                            replayMatches: Bool?) -> String {
        var fields: [String] = [
            "\"scenario\":\(JSONText.string(report.scenario))",
            "\"seed\":\(report.seed)",
        ]
        for (name, value) in report.figures {
            switch value {
            case .text(let text): fields.append("\(JSONText.string(name)):\(JSONText.string(text))")
            default: fields.append("\(JSONText.string(name)):\(value.description)")
            }
        }
        fields.append("\"wall_s\":\(formatNumber(wallSeconds))")
        fields.append("\"events_per_wall_s\":\(formatNumber(eventsPerSecond.rounded()))")
        if let replayMatches { fields.append("\"replay_identical\":\(replayMatches)") }
        fields.append("\"passed\":\(report.passed && replayMatches != false)")
        var problems = report.failures
        if let violation = report.violation { problems.insert(violation.description, at: 0) }
        fields.append("\"failures\":[\(problems.map(JSONText.string).joined(separator: ","))]")
        return "{" + fields.joined(separator: ",") + "}"
    }
}

import ChordCore
import ChordSim
import Testing

/// Scenario settings for tests: the CLI's defaults with the given seed and size.
func settings(seed: UInt64, nodes: Int, configure: (inout ScenarioSettings) -> Void = { _ in }) -> ScenarioSettings {
    var settings = ScenarioSettings()
    settings.seed = seed
    settings.nodes = nodes
    configure(&settings)
    return settings
}

extension ScenarioReport {
    /// A figure's numeric value (nil when absent or text, e.g. "not within limit").
    func number(_ name: String) -> Double? { figure(name)?.doubleValue }

    /// Everything needed to understand a failed run: seed, missed targets, violation, figures.
    var summary: String {
        let figureText = figures.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
        return "\(scenario) seed \(seed): failures \(failures), violation \(violation.map(String.init(describing:)) ?? "none"); \(figureText)"
    }
}

/// Asserts that a scenario run met every target and broke no invariant.
func expectPassed(_ report: ScenarioReport, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(report.violation == nil, "\(report.summary)", sourceLocation: sourceLocation)
    #expect(report.failures.isEmpty, "\(report.summary)", sourceLocation: sourceLocation)
    #expect(report.passed, sourceLocation: sourceLocation)
}

/// log2 of a node count (no Foundation or libm needed).
func binaryLog(_ count: Int) -> Double {
    var value = Double(count)
    var result = 0.0
    while value >= 2 { value /= 2; result += 1 }
    // Remaining factor in [1, 2): refine by repeated squaring.
    var fraction = 0.5
    for _ in 0..<52 {
        value *= value
        if value >= 2 { value /= 2; result += fraction }
        fraction /= 2
    }
    return result
}

import ToolSupport

/// Latency percentiles in milliseconds.
struct LatencySummary {
    let count: Int
    let p50: Double
    let p90: Double
    let p99: Double
    let p999: Double
    let mean: Double

    init(_ samples: [Duration]) {
        let milliseconds = samples.map { Double($0.components.seconds) * 1000 + Double($0.components.attoseconds) / 1e15 }.sorted()
        count = milliseconds.count
        p50 = percentile(milliseconds, 0.5)
        p90 = percentile(milliseconds, 0.9)
        p99 = percentile(milliseconds, 0.99)
        p999 = percentile(milliseconds, 0.999)
        mean = milliseconds.isEmpty ? 0 : milliseconds.reduce(0, +) / Double(milliseconds.count)
    }

    var json: String {
        "{\"n\":\(count),\"p50_ms\":\(fixed(p50)),\"p90_ms\":\(fixed(p90)),\"p99_ms\":\(fixed(p99)),\"p999_ms\":\(fixed(p999)),\"mean_ms\":\(fixed(mean))}"
    }
}

/// A number with three decimals.
func fixed(_ value: Double) -> String {
    let scaled = (value * 1000).rounded() / 1000
    return String(scaled)
}

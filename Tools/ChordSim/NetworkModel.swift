import ChordCore

/// How the simulated network treats datagrams: latency drawn per message, loss, duplication.
///
/// Latency is `minimumLatency` plus an exponential with mean `meanExtraLatency`, so most
/// messages are quick and a few are slow, and later messages can overtake earlier ones.
public struct NetworkModel: Sendable {
    /// The least one-way delay.
    public var minimumLatency: Int64 = Nanos.milliseconds(5)
    /// Mean of the exponential part of the one-way delay.
    public var meanExtraLatency: Int64 = Nanos.milliseconds(20)
    /// Probability that a datagram is lost.
    public var lossRate = 0.0
    /// Probability that a delivered datagram arrives twice.
    public var duplicateRate = 0.0

    /// The defaults: 5 ms + Exp(20 ms), no loss, no duplication.
    public init() {}

    /// One draw of the one-way delay.
    func latency(_ random: inout SeededRandom) -> Int64 {
        let unit = random.nextUnit()
        let extra = -Double(meanExtraLatency) * log1p(-unit)
        return minimumLatency + Int64(extra)
    }
}

/// log(1 + x) without Foundation, accurate enough for drawing exponentials.
@inline(__always)
func log1p(_ x: Double) -> Double {
    naturalLog(1 + x)
}

/// Natural logarithm by range reduction and an atanh series (the core and the simulator
/// avoid Foundation so that they stay portable and deterministic).
func naturalLog(_ value: Double) -> Double {
    precondition(value > 0, "log of a non-positive number")
    var x = value
    var exponent = 0.0
    while x > 2 { x /= 2; exponent += 1 }
    while x < 1 { x *= 2; exponent -= 1 }
    // ln(x) = 2 atanh((x-1)/(x+1)), x in [1, 2]
    let y = (x - 1) / (x + 1)
    let y2 = y * y
    var term = y
    var sum = 0.0
    var n = 1.0
    for _ in 0..<24 {  // y <= 1/3, so 24 terms are far below double precision
        sum += term / n
        term *= y2
        n += 2
    }
    return 2 * sum + exponent * 0.693_147_180_559_945_3
}

import ChordCore

/// A broken invariant: which seed, at which step and simulated time, and what.
public struct InvariantViolation: Error, Sendable, CustomStringConvertible {
    /// The run's seed (replays it).
    public let seed: UInt64
    /// Events processed when it was found.
    public let step: UInt64
    /// Simulated time when it was found.
    public let time: Instant
    /// What is wrong.
    public let message: String

    /// A readable description.
    public var description: String {
        "invariant violated (seed \(seed), step \(step), t=\(time.seconds)s): \(message)"
    }
}

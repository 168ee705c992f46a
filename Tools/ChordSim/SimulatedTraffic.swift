import ChordCore

/// Datagram counts of a simulation.
public struct SimulatedTraffic: Sendable {
    /// Sent by some node.
    public var sent = 0
    /// Handed to a live node.
    public var delivered = 0
    /// Dropped by the loss model.
    public var lost = 0
    /// Delivered twice by the duplication model.
    public var duplicated = 0
    /// Dropped between partition groups.
    public var partitioned = 0
    /// Arrived at a crashed host.
    public var toCrashedHosts = 0
    /// Addressed to no host at all.
    public var undeliverable = 0
}

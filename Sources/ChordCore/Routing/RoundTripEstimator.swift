/// Per-peer round-trip estimates and the RPC timeouts derived from them.
///
/// Timeout = smoothed RTT + 4 × RTT variance (Jacobson/Karels, as TCP and Bamboo do),
/// clamped to the configured bounds. Peers never measured use the estimate pooled over all
/// peers. Also counts consecutive unanswered requests per peer, for failure suspicion.
struct RoundTripEstimator {
    struct Estimate {
        var smoothed: Int64
        var variance: Int64
    }

    private(set) var estimates: [NodeAddress: Estimate] = [:]
    /// Peers with an estimate, in the order they got it (the oldest goes first when full).
    private var arrival: [NodeAddress] = []
    private var arrivalHead = 0
    /// Consecutive unanswered requests, only for peers that have some (usually none).
    private var silence: [NodeAddress: Int] = [:]
    private var pooled: Estimate
    private let minimum: Int64
    private let maximum: Int64
    /// Peers with their own estimate: the routing neighbourhood plus recent contacts. Hops to
    /// first-contact peers use the pooled estimate, so a small table loses little and stays
    /// cache-friendly (the simulator runs thousands of these).
    private let capacity = 128

    init(config: NodeConfig) {
        pooled = Estimate(smoothed: config.initialRoundTrip, variance: config.initialRoundTrip / 2)
        minimum = config.minimumTimeout
        maximum = config.maximumTimeout
    }

    /// The retransmission timeout for a first attempt to `address`.
    func timeout(for address: NodeAddress) -> Int64 {
        let estimate = estimates[address] ?? pooled
        return min(max(estimate.smoothed + 4 * estimate.variance, minimum), maximum)
    }

    /// Feeds a round-trip sample (only from requests that were not retransmitted: Karn).
    mutating func record(sample: Int64, for address: NodeAddress) {
        let sample = max(sample, 1)
        let pooledBeforeSample = pooled
        Self.update(&pooled, with: sample)
        heardFrom(address)
        if var estimate = estimates[address] {
            Self.update(&estimate, with: sample)
            estimates[address] = estimate
            return
        }
        // A first sample says little about a peer's variance: a new peer starts from the
        // pooled estimate, and samples pull it towards its own.
        var estimate = Estimate(smoothed: pooledBeforeSample.smoothed, variance: pooledBeforeSample.variance)
        Self.update(&estimate, with: sample)
        while estimates.count >= capacity && arrivalHead < arrival.count {
            estimates.removeValue(forKey: arrival[arrivalHead])
            arrivalHead += 1
        }
        if arrivalHead > capacity {
            arrival.removeFirst(arrivalHead)
            arrivalHead = 0
        }
        estimates[address] = estimate
        arrival.append(address)
    }

    /// Notes that `address` answered something (resets its suspicion count).
    @inline(__always)
    mutating func heardFrom(_ address: NodeAddress) {
        if !silence.isEmpty { silence.removeValue(forKey: address) }
    }

    /// Notes an unanswered request; returns the consecutive count.
    mutating func recordTimeout(for address: NodeAddress) -> Int {
        if silence.count >= capacity { silence.removeAll(keepingCapacity: true) }
        silence[address, default: 0] += 1
        return silence[address]!
    }

    /// Forgets a peer's suspicion count (it was declared dead and removed).
    mutating func forgetSuspicion(of address: NodeAddress) {
        silence.removeValue(forKey: address)
    }

    private static func update(_ estimate: inout Estimate, with sample: Int64) {
        let error = sample - estimate.smoothed
        estimate.smoothed += error / 8
        estimate.variance += (abs(error) - estimate.variance) / 4
    }
}

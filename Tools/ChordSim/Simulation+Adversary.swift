import ChordCore

/// What adversaries can do on the simulated network: send any datagram from any source address
/// (spoofing included, as raw sockets allow), and see what the hosts send to addresses they
/// control. Used by the `attacks` scenario; honest hosts never do either.
extension Simulation {
    /// Delivers `envelope` to host `index` as if it came from `source` (any address: a real
    /// member's, an unused one, the adversary's own), after the network's latency.
    public func inject(_ envelope: Envelope, from source: NodeAddress, to index: Int) {
        traffic.sent += 1
        queue.send(Datagram(node: Int32(index), source: source, envelope: envelope),
                   arrival: now + network.latency(&networkRandom))
        trace.mix(0xAD ^ UInt64(index) << 8 ^ envelope.requestID)
    }

    /// From now on, datagrams the hosts send to `address` (not a host) go to `observer` at
    /// once, with the index of the sending host.
    public func tap(_ address: NodeAddress, _ observer: @escaping (Envelope, Int) -> Void) {
        taps[address] = observer
    }

    /// Stops observing `address`.
    public func untap(_ address: NodeAddress) {
        taps.removeValue(forKey: address)
    }

    /// A host's core, for the scenario's checks.
    public func core(_ index: Int) -> ChordNode? {
        cores[index]
    }
}

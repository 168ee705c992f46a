/// Peers a coordinator has recently seen own keys, sorted by identifier: its guess at a key's
/// owner is the first cached peer at or after the key (a one-hop shortcut over the full Chord
/// lookup). A wrong guess costs one redirect: the asked peer does not own the key and says
/// who does; a silent one is forgotten. Bounded: when full, the peer learned longest ago goes.
struct LocationCache {
    private(set) var peers: [Peer] = []
    /// When each entry of `peers` was last learned (a counter, not a clock).
    private var stamps: [UInt64] = []
    private var clock: UInt64 = 0
    private let capacity: Int

    init(capacity: Int = 1024) {
        self.capacity = capacity
    }

    /// The presumed owner of `id`: the first cached peer at or after it, wrapping.
    func presumedOwner(of id: Identifier) -> Peer? {
        guard !peers.isEmpty else { return nil }
        let position = lowerBound(id)
        return peers[position == peers.count ? 0 : position]
    }

    /// Remembers a peer (or refreshes it).
    mutating func learn(_ peer: Peer) {
        guard capacity > 0 else { return }
        clock &+= 1
        let position = lowerBound(peer.id)
        if position < peers.count && peers[position].id == peer.id {
            peers[position] = peer
            stamps[position] = clock
            return
        }
        peers.insert(peer, at: position)
        stamps.insert(clock, at: position)
        if peers.count > capacity, let oldest = stamps.indices.min(by: { stamps[$0] < stamps[$1] }) {
            peers.remove(at: oldest)
            stamps.remove(at: oldest)
        }
    }

    /// Forgets a peer (it was silent, or is known to have left).
    mutating func forget(_ address: NodeAddress) {
        while let index = peers.firstIndex(where: { $0.address == address }) {
            peers.remove(at: index)
            stamps.remove(at: index)
        }
    }

    private func lowerBound(_ id: Identifier) -> Int {
        var low = 0, high = peers.count
        while low < high {
            let mid = (low + high) / 2
            if peers[mid].id < id { low = mid + 1 } else { high = mid }
        }
        return low
    }
}

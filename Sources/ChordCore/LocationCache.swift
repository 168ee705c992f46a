/// Peers a coordinator has recently seen own keys, sorted by identifier: its guess at a key's
/// owner is the first cached peer at or after the key (a one-hop shortcut over the full Chord
/// lookup). A wrong guess costs one redirect: the asked peer does not own the key and says
/// who does; a silent one is forgotten. Bounded; the oldest entries go first.
struct LocationCache {
    private(set) var peers: [Peer] = []
    private var arrival: [NodeAddress] = []
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

    /// Remembers a peer.
    mutating func learn(_ peer: Peer) {
        guard capacity > 0 else { return }
        let position = lowerBound(peer.id)
        if position < peers.count && peers[position].id == peer.id {
            if peers[position].address != peer.address { peers[position] = peer }
            return
        }
        peers.insert(peer, at: position)
        arrival.append(peer.address)
        if peers.count > capacity, let oldest = arrival.first {
            arrival.removeFirst()
            forget(oldest)
        }
    }

    /// Forgets a peer (it was silent, or is known to have left).
    mutating func forget(_ address: NodeAddress) {
        peers.removeAll { $0.address == address }
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

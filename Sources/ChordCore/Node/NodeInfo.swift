/// The answer to `.getInfo`: a node's view of the ring and its store.
public struct NodeInfo: Sendable, Equatable {
    /// Its predecessor.
    public let predecessor: Peer?
    /// Its successor list.
    public let successors: [Peer]
    /// Its distinct fingers, in finger order.
    public let fingers: [Peer]
    /// Keys it owns (in (predecessor, itself]), tombstones excluded.
    public let ownedKeys: UInt64
    /// Keys it holds as a replica for other owners, tombstones excluded.
    public let replicaKeys: UInt64
    /// Tombstones held.
    public let tombstones: UInt64
    /// Bytes of keys and values held.
    public let storedBytes: UInt64

    /// A node description.
    public init(predecessor: Peer?, successors: [Peer], fingers: [Peer], ownedKeys: UInt64, replicaKeys: UInt64,
                tombstones: UInt64, storedBytes: UInt64) {
        self.predecessor = predecessor
        self.successors = successors
        self.fingers = fingers
        self.ownedKeys = ownedKeys
        self.replicaKeys = replicaKeys
        self.tombstones = tombstones
        self.storedBytes = storedBytes
    }
}

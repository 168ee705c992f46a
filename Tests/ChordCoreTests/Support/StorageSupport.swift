@testable import ChordCore

// Helpers for the storage suites: nodes spread over the whole ring (keys' identifiers are
// SHA-1 digests, so nodes at 100, 200, ... would own nearly nothing), keys chosen by where
// they fall, storage configurations, local requests and their answers.

/// A peer whose identifier has `top` as its top 32 bits and `port` as its low bits, at 127.0.0.1:`port`.
func ringPeer(_ port: UInt16, top: UInt32) -> Peer {
    let address = NodeAddress(ipv4: top, port: port)
    return Peer(id: testIdentity(address), address: address)
}

/// The first `count` keys "`prefix`-0", "`prefix`-1", ... whose identifiers lie in (lower, upper].
func keys(in lower: Identifier, _ upper: Identifier, count: Int, prefix: String = "key") -> [String] {
    var found: [String] = []
    for index in 0..<100_000 where found.count < count {
        let key = "\(prefix)-\(index)"
        if Identifier.forKey(key).isInHalfOpenInterval(lower, upper) { found.append(key) }
    }
    precondition(found.count == count, "not enough keys in the range")
    return found
}

/// The UTF-8 bytes of a string.
func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// An entry for `key` with `value` (nil: a tombstone) at a version with this many milliseconds.
func entry(_ key: String, _ value: String?, milliseconds: UInt64, writer: UInt64 = 1) -> StoredEntry {
    StoredEntry(key: bytes(key), value: value.map(bytes), version: Version(timestamp: milliseconds << 16, writer: writer))
}

extension NodeConfig {
    /// Test defaults with chosen replication and quorums.
    static func storage(replicas: Int = 3, writeQuorum: Int = 2, readQuorum: Int = 2,
                        successorListLength: Int = 3) -> NodeConfig {
        var config = NodeConfig.testing(successorListLength: successorListLength, quiet: true)
        config.replicas = replicas
        config.writeQuorum = writeQuorum
        config.readQuorum = readQuorum
        return config
    }
}

extension ChordNode {
    /// What the node holds for `key` (value or tombstone), if anything.
    func held(_ key: String) -> StoredEntry? {
        store.item(.forKey(key)).map(\.entry)
    }

    /// The live value held for `key`.
    func value(_ key: String) -> String? {
        held(key)?.value.map { String(decoding: $0, as: UTF8.self) }
    }

    /// Puts `entries` straight into the node's store (as if they had arrived earlier).
    func preload(_ entries: [StoredEntry]) {
        for entry in entries { storage.apply(entry, id: .forKey(bytes: entry.key)) }
    }
}

extension ManualNetwork {
    /// Hand-built members for storage tests, like `handBuiltRing`, except that each node's
    /// lists are in place before it becomes a member (setting them afterwards would start an
    /// anti-entropy round outside `handle`, whose datagrams nobody would send) and its replica
    /// set counts as known. No periodic task runs.
    @discardableResult
    func storageRing(_ peers: [Peer], config: NodeConfig) -> [ChordNode] {
        let ring = peers.sorted { $0.id < $1.id }
        return ring.indices.map { index in
            // Nodes before this one, nearest first, cut before wrapping to itself.
            let before = (1..<ring.count).map { ring[(index + ring.count - $0) % ring.count] }
            return storageMember(ring[index], predecessor: before.first,
                                 furtherPredecessors: Array(before.dropFirst().prefix(max(config.replicas - 1, 0))),
                                 successors: (1..<ring.count).prefix(config.successorListLength).map { ring[(index + $0) % ring.count] },
                                 config: config)
        }
    }

    /// One hand-built member with the given neighbours (see `storageRing`).
    @discardableResult
    func storageMember(_ me: Peer, predecessor: Peer?, furtherPredecessors: [Peer] = [], successors: [Peer],
                       config: NodeConfig) -> ChordNode {
        let node = add(me, config: config)
        node.ring.install(phase: .member, predecessor: predecessor, furtherPredecessors: furtherPredecessors,
                          successors: successors)
        node.repair.install(knownReplicas: Array(successors.prefix(config.replicas - 1)))
        introduceAll()
        return node
    }

    /// Makes `peer`'s periodic anti-entropy due now and fires its timer; returns the effects.
    @discardableResult
    func runAntiEntropy(at peer: Peer) -> [Effect] {
        self[peer].schedule.runSoon(.antiEntropy, now: now)
        return handle(.timer, at: peer)
    }

    /// The answers to local requests at `peer` so far, in order.
    func answers(at peer: Peer) -> [(token: UInt64, answer: Message)] {
        log.filter { $0.node == peer.address }.compactMap(\.effect.requestAnswer)
    }

    /// The answer to the local request `token` at `peer`, if there is one yet.
    func answer(_ token: UInt64, at peer: Peer) -> Message? {
        answers(at: peer).first { $0.token == token }?.answer
    }

    /// Issues a local client request at `peer` and delivers datagrams until the network is
    /// quiet (timers do not fire); returns the answer, or nil if there is none by then.
    @discardableResult
    func request(_ message: Message, at peer: Peer, token: UInt64 = 1) -> Message? {
        handle(.request(message, token: token), at: peer)
        runUntilQuiet()
        return answer(token, at: peer)
    }

    /// `request(.put(...))` with text.
    @discardableResult
    func put(_ key: String, _ value: String, at peer: Peer, token: UInt64 = 1) -> Message? {
        request(.put(key: bytes(key), value: bytes(value)), at: peer, token: token)
    }

    /// `request(.get(...))` with text.
    func get(_ key: String, at peer: Peer, token: UInt64 = 1) -> Message? {
        request(.get(key: bytes(key)), at: peer, token: token)
    }

    /// `request(.remove(...))` with text.
    @discardableResult
    func remove(_ key: String, at peer: Peer, token: UInt64 = 1) -> Message? {
        request(.remove(key: bytes(key)), at: peer, token: token)
    }

    /// Entries carried by `.store` requests ever sent from `from` to `to`, in order.
    func storedEntries(from: Peer, to: Peer) -> [StoredEntry] {
        sent(from: from, to: to).flatMap { $0.message.storeEntries ?? [] }
    }
}

extension Effect {
    var isLeaveCompleted: Bool { if case .leaveCompleted = self { true } else { false } }
    var leaveHandedOff: Bool? { if case .leaveCompleted(let handedOff) = self { handedOff } else { nil } }

    var requestAnswer: (token: UInt64, answer: Message)? {
        if case .requestCompleted(let token, let answer) = self { return (token, answer) }
        return nil
    }
}

extension Message {
    /// The entries of a `.store` request.
    var storeEntries: [StoredEntry]? {
        if case .store(let entries) = self { return entries }
        return nil
    }

    var isStore: Bool { storeEntries != nil }
    var isSyncDigest: Bool { if case .syncDigest = self { true } else { false } }
    var isLeaving: Bool { if case .leaving = self { true } else { false } }

    /// Whether this is a `.syncDifferences` answer naming no bucket (`empty`) or some.
    func isSyncDifferences(empty: Bool) -> Bool {
        if case .syncDifferences(let buckets) = self { return buckets.isEmpty == empty }
        return false
    }

    /// `.result(status: .ok, value: text)`.
    static func found(_ text: String) -> Message { .result(status: .ok, value: bytes(text)) }
    /// `.result(status:, value: nil)`.
    static func status(_ status: Status) -> Message { .result(status: status, value: nil) }
}

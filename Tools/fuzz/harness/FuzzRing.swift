@testable import ChordCore

/// The one place that builds the node under test and the ring around it.
///
/// Five members on 127.0.0.1:4000-4004, each identified by SHA-1 of its address text (as real
/// nodes are), replication 3, successor lists of 4 (every other member). The node under test
/// sits in the middle of the identifier order; the other four are played by the fuzzer. It
/// holds a few keys: some it owns, some it replicates for its predecessors, one tombstone.
///
/// Or, when the input asks for it, the same node restarted empty and joining through its
/// successor.
///
/// A fresh node is built for every input (a few microseconds), so every execution starts from
/// the same state and a crash replays from its input alone. When the core's API changes
/// (fields added to `NodeConfig`, other test fixtures), this file is what to adapt.
enum FuzzRing {
    /// The members, in identifier order.
    static let members: [Peer] = (0..<5).map { Peer(address: NodeAddress(ipv4: 0x7F00_0001, port: UInt16(4000 + $0))) }
        .sorted { $0.id < $1.id }
    /// The position of the node under test in `members`.
    static let position = 2
    /// The node under test.
    static let me = members[position]
    /// The members the fuzzer plays, in ring order after `me`: successors first, predecessor last.
    static let others: [Peer] = (1..<members.count).map { members[(position + $0) % members.count] }
    /// Its predecessor.
    static let predecessor = others[others.count - 1]
    /// A host outside the ring that speaks the member protocol (a would-be member or an attacker).
    static let stranger = NodeAddress(ipv4: 0xC000_0207, port: 4000)  // 192.0.2.7:4000
    /// A client (sends no sender).
    static let client = NodeAddress(ipv4: 0xC000_0208, port: 50_000)  // 192.0.2.8:50000

    /// Defaults with replication 3 and successor lists as long as the ring allows.
    static let config: NodeConfig = {
        var config = NodeConfig()
        config.successorListLength = 4
        config.replicas = 3
        config.writeQuorum = 2
        config.readQuorum = 2
        config.wallClockOffset = Nanos.seconds(1_750_000_000)  // versions look like 2025
        return config
    }()

    /// The instant every execution starts at.
    static let start = Instant(nanoseconds: Nanos.seconds(1_000))

    /// Wall-clock milliseconds at `start`, for versions of preloaded keys.
    static let startMilliseconds = UInt64((start.nanoseconds + config.wallClockOffset) / Nanos.milliseconds(1))

    /// Keys by the member range they fall in: `keys(owner)` lie in (owner's predecessor, owner].
    static func keys(ownedBy owner: Int, count: Int) -> [[UInt8]] {
        let lower = members[(owner + members.count - 1) % members.count].id
        var found: [[UInt8]] = []
        var index = 0
        while found.count < count {
            let key = Array("key-\(index)".utf8)
            if Identifier.forKey(bytes: key).isInHalfOpenInterval(lower, members[owner].id) { found.append(key) }
            index += 1
        }
        return found
    }

    /// Keys the node owns; the last is a maximal key (1,024 bytes) holding a maximal value
    /// (64,000 bytes), so that answers, pages and repairs carrying it test the datagram limit.
    static let ownedKeys = keys(ownedBy: position, count: 3) + [maximalKey]
    static let maximalKey: [UInt8] = {
        let lower = members[position - 1].id
        for index in 0... {
            let key = Array("maximal-\(index)-".utf8) + [UInt8](repeating: 0x6D, count: 1_000)
            let padded = key + [UInt8](repeating: 0x6B, count: StorageLimits.maximumKeyBytes - key.count)
            if Identifier.forKey(bytes: padded).isInHalfOpenInterval(lower, me.id) { return padded }
        }
        preconditionFailure("unreachable")
    }()
    /// Keys it replicates for its predecessor and the one before.
    static let replicaKeys = keys(ownedBy: position - 1, count: 2) + keys(ownedBy: position - 2, count: 1)
    /// A key owned by its successor (not held here).
    static let foreignKeys = keys(ownedBy: position + 1, count: 1)

    /// What the node holds at the start, with the keys' identifiers (computed once).
    static let preloaded: [(entry: StoredEntry, id: Identifier)] = {
        var entries: [StoredEntry] = []
        for (index, key) in (ownedKeys + replicaKeys).enumerated() {
            let version = Version(timestamp: (startMilliseconds - 60_000 + UInt64(index)) << 16, writer: me.id.low)
            entries.append(StoredEntry(key: key, value: Array("value \(index)".utf8), version: version))
        }
        entries[2] = StoredEntry(key: entries[2].key, value: nil, version: entries[2].version)  // a tombstone
        entries[3] = StoredEntry(key: entries[3].key, value: (0..<StorageLimits.maximumValueBytes).map { UInt8(truncatingIfNeeded: $0) },
                                 version: entries[3].version)
        return entries.map { ($0, Identifier.forKey(bytes: $0.key)) }
    }()

    /// Where a joining node joins through: its successor.
    static let bootstrap = others[0].address

    /// A fresh node under test: a member with its ring pointers and store in place, its
    /// replica set known, and its periodic work about to start (the first `.timer` at `start`
    /// runs stabilize). With `joining`, a node that has just restarted empty and is about to
    /// join (its first input is `.start(bootstrap:)`).
    static func makeNode(joining: Bool = false) -> ChordNode {
        let node = ChordNode(me: me, config: config, seed: 0xF022)
        if joining { return node }
        let successors = Array(others.prefix(config.successorListLength))
        // The nodes before the predecessor, nearest first: the chain check-predecessor learns.
        let before = Array(others.reversed().dropFirst().prefix(config.replicas - 1))
        node.ring.install(predecessor: predecessor, furtherPredecessors: before, successors: successors)
        node.repair.install(knownReplicas: Array(successors.prefix(config.replicas - 1)))
        // Acquainted with every member, as in a running ring: it holds their cookies and has
        // heard from each lately (docs/PROTOCOL.md, "Trust").
        for (index, member) in others.enumerated() {
            node.messenger.install(cookie: 0xC00C_1E00 + UInt64(index), from: member.address)
            node.ring.heardInAnswer(from: member.address)
        }
        for (entry, id) in preloaded { node.storage.apply(entry, id: id) }
        node.ring.becomeMember(joined: false)
        return node
    }
}

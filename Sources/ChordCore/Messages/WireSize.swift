/// How many bytes a message takes on the wire (docs/PROTOCOL.md), without encoding it.
///
/// The core needs sizes to keep its promises in bytes: an answer to an address that has not
/// proved it receives this node's datagrams is at most 3 times the request
/// (`Messenger.reply`), and pages of keys fit one datagram. The encoder in ChordWire produces
/// exactly these sizes (its round-trip tests check it).
public enum WireSize {
    /// Bytes of the fixed header (magic, version, type, flags, request id).
    public static let header = 13
    /// Bytes of the optional cookie.
    public static let cookie = 8

    /// The bytes of `envelope` encoded.
    public static func of(_ envelope: Envelope) -> Int {
        var total = header
        if envelope.cookie != nil { total += cookie }
        if let sender = envelope.sender { total += peer(sender) }
        if envelope.padding > 0 { total += 2 + envelope.padding }
        return total + body(envelope.message)
    }

    /// The largest answer to a read-only member query (`neighbors` or `nextHop`) from a node
    /// with successor lists of `successorListLength`, IPv6 peers everywhere, sent to a
    /// requester not yet validated (with the cookie, without the sender).
    public static func largestQueryAnswer(successorListLength: Int) -> Int {
        let ipv6Peer = Identifier.byteCount + 1 + 16 + 2
        let neighbors = 1 + ipv6Peer + 1 + successorListLength * ipv6Peer
        let nextHop = 1 + 1 + (successorListLength + 1) * ipv6Peer
        return header + cookie + max(neighbors, nextHop)
    }

    /// The bytes one entry adds to a `store` message (a `store` is the size of an empty one
    /// plus this for each entry).
    public static func of(_ entry: StoredEntry) -> Int {
        key(entry.key) + optionalValue(entry.value) + 16
    }

    /// Bytes of a message body (everything after the header, cookie and sender).
    public static func body(_ message: Message) -> Int {
        switch message {
        case .ping, .getNeighbors, .notify, .announce, .getInfo, .pong, .unknownRequest:
            return 0
        case .findNext, .traceLookup:
            return Identifier.byteCount
        case .leaving(let predecessor, let successors), .neighbors(let predecessor, let successors):
            return optionalPeer(predecessor) + peers(successors)
        case .get(let key), .remove(let key), .fetch(let key),
             .ownerRequest(.get(let key)), .ownerRequest(.remove(let key)):
            return self.key(key)
        case .put(let key, let value), .ownerRequest(.put(let key, let value)):
            return self.key(key) + self.value(value)
        case .store(let entries):
            var total = 2
            for entry in entries { total += of(entry) }
            return total
        case .syncDigest(_, _, let digests):
            return 2 * Identifier.byteCount + 2 + 8 * digests.count
        case .nextHop(let step), .redirect(let step):
            return self.step(step)
        case .result(_, let value):
            return 1 + optionalValue(value)
        case .trace(let trace):
            var total = Identifier.byteCount + 1 + 1
            for hop in trace.hops { total += self.hop(hop) }
            return total + optionalPeer(trace.owner) + peers(trace.successors) + 8
        case .info(let info):
            return optionalPeer(info.predecessor) + peers(info.successors) + peers(info.fingers) + 4 * 8
        case .stored:
            return 4
        case .fetched(let entry):
            guard let entry else { return 1 }
            return 1 + of(entry)
        case .syncDifferences(let buckets):
            return 2 + 2 * buckets.count
        case .error:
            return 1
        }
    }

    static func address(_ address: NodeAddress) -> Int {
        address.family == .ipv4 ? 1 + 4 + 2 : 1 + 16 + 2
    }

    static func peer(_ peer: Peer) -> Int {
        Identifier.byteCount + address(peer.address)
    }

    static func optionalPeer(_ peer: Peer?) -> Int {
        guard let peer else { return 1 }
        return 1 + self.peer(peer)
    }

    static func peers(_ peers: [Peer]) -> Int {
        var total = 1
        for peer in peers { total += self.peer(peer) }
        return total
    }

    static func key(_ key: [UInt8]) -> Int { 2 + key.count }

    static func value(_ value: [UInt8]) -> Int { 4 + value.count }

    static func optionalValue(_ value: [UInt8]?) -> Int {
        guard let value else { return 1 }
        return 1 + self.value(value)
    }

    static func step(_ step: LookupStep) -> Int {
        switch step {
        case .owner(let list), .closer(let list): return 1 + peers(list)
        }
    }

    static func hop(_ hop: LookupHop) -> Int {
        address(hop.address) + 1 + (hop.id == nil ? 0 : Identifier.byteCount) + (hop.roundTrip == nil ? 0 : 8)
    }
}

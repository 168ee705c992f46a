import ChordCore

/// Appends the wire encoding of an envelope to a byte array (big-endian integers).
struct WireWriter {
    var buffer: [UInt8]

    init(buffer: [UInt8]) {
        self.buffer = buffer
    }

    // MARK: Primitives

    @inline(__always)
    mutating func u8(_ value: UInt8) {
        buffer.append(value)
    }

    @inline(__always)
    mutating func u16(_ value: UInt16) {
        withUnsafeBytes(of: value.bigEndian) { buffer.append(contentsOf: $0) }
    }

    @inline(__always)
    mutating func u32(_ value: UInt32) {
        withUnsafeBytes(of: value.bigEndian) { buffer.append(contentsOf: $0) }
    }

    @inline(__always)
    mutating func u64(_ value: UInt64) {
        withUnsafeBytes(of: value.bigEndian) { buffer.append(contentsOf: $0) }
    }

    /// A count in a 1-byte field; a count the field cannot hold is a programmer error.
    @inline(__always)
    mutating func count8(_ count: Int) {
        precondition(count <= 0xFF, "list too long for the wire format")
        u8(UInt8(count))
    }

    /// A count in a 2-byte field; a count the field cannot hold is a programmer error.
    @inline(__always)
    mutating func count16(_ count: Int) {
        precondition(count <= 0xFFFF, "list or key too long for the wire format")
        u16(UInt16(count))
    }

    // MARK: Fields

    mutating func identifier(_ id: Identifier) {
        u32(UInt32(truncatingIfNeeded: id.high))
        u64(id.middle)
        u64(id.low)
    }

    mutating func address(_ address: NodeAddress) {
        u8(address.family.rawValue)
        switch address.family {
        case .ipv4: u32(UInt32(truncatingIfNeeded: address.lowBits))
        case .ipv6: u64(address.highBits); u64(address.lowBits)
        }
        u16(address.port)
    }

    mutating func peer(_ peer: Peer) {
        identifier(peer.id)
        address(peer.address)
    }

    mutating func optionalPeer(_ peer: Peer?) {
        if let peer {
            u8(1)
            self.peer(peer)
        } else {
            u8(0)
        }
    }

    mutating func peers(_ peers: [Peer]) {
        count8(peers.count)
        for peer in peers { self.peer(peer) }
    }

    mutating func key(_ key: [UInt8]) {
        count16(key.count)
        buffer.append(contentsOf: key)
    }

    mutating func value(_ value: [UInt8]) {
        precondition(value.count <= UInt32.max, "value too long for the wire format")
        u32(UInt32(value.count))
        buffer.append(contentsOf: value)
    }

    mutating func optionalValue(_ value: [UInt8]?) {
        if let value {
            u8(1)
            self.value(value)
        } else {
            u8(0)
        }
    }

    mutating func version(_ version: Version) {
        u64(version.timestamp)
        u64(version.writer)
    }

    mutating func entry(_ entry: StoredEntry) {
        key(entry.key)
        optionalValue(entry.value)
        version(entry.version)
    }

    mutating func step(_ step: LookupStep) {
        switch step {
        case .owner(let list): u8(FieldSize.stepOwner); peers(list)
        case .closer(let list): u8(FieldSize.stepCloser); peers(list)
        }
    }

    mutating func hop(_ hop: LookupHop) {
        address(hop.address)
        var flags: UInt8 = 0
        if hop.id != nil { flags |= FieldSize.hopHasID }
        if hop.roundTrip != nil { flags |= FieldSize.hopHasRoundTrip }
        if hop.confirmsOwner { flags |= FieldSize.hopConfirmsOwner }
        u8(flags)
        if let id = hop.id { identifier(id) }
        if let roundTrip = hop.roundTrip { u64(UInt64(bitPattern: roundTrip)) }
    }

    // MARK: Envelope

    /// Writes the envelope; with `authenticated`, flags bit 2 says that a trailer (timestamp
    /// and tag) follows, which the caller appends.
    mutating func write(_ envelope: Envelope, authenticated: Bool = false) {
        u8(WireFormat.magic.0)
        u8(WireFormat.magic.1)
        u8(WireFormat.protocolVersion)
        u8(WireFormat.typeCode(of: envelope.message))
        u8((envelope.sender == nil ? 0 : FieldSize.senderPresent) | (envelope.cookie == nil ? 0 : FieldSize.cookiePresent)
            | (authenticated ? FieldSize.authenticated : 0) | (envelope.padding > 0 ? FieldSize.padded : 0))
        u64(envelope.requestID)
        if let cookie = envelope.cookie { u64(cookie) }
        if let sender = envelope.sender { peer(sender) }
        body(envelope.message)
        if envelope.padding > 0 {
            u16(UInt16(clamping: envelope.padding))
            buffer.append(contentsOf: repeatElement(0, count: Int(UInt16(clamping: envelope.padding))))
        }
    }

    mutating func body(_ message: Message) {
        switch message {
        case .ping, .getNeighbors, .notify, .announce, .getInfo, .pong, .unknownRequest:
            break
        case .findNext(let target), .traceLookup(let target):
            identifier(target)
        case .leaving(let predecessor, let successors), .neighbors(let predecessor, let successors):
            optionalPeer(predecessor)
            peers(successors)
        case .get(let key), .remove(let key), .fetch(let key),
             .ownerRequest(.get(let key)), .ownerRequest(.remove(let key)):
            self.key(key)
        case .put(let key, let value), .ownerRequest(.put(let key, let value)):
            self.key(key)
            self.value(value)
        case .store(let entries):
            count16(entries.count)
            for entry in entries { self.entry(entry) }
        case .syncDigest(let lower, let upper, let digests):
            identifier(lower)
            identifier(upper)
            count16(digests.count)
            for digest in digests { u64(digest) }
        case .nextHop(let step), .redirect(let step):
            self.step(step)
        case .result(let status, let value):
            u8(status.rawValue)
            optionalValue(value)
        case .trace(let trace):
            identifier(trace.target)
            u8(trace.status.rawValue)
            count8(trace.hops.count)
            for hop in trace.hops { self.hop(hop) }
            optionalPeer(trace.owner)
            peers(trace.successors)
            u64(UInt64(bitPattern: trace.elapsed))
        case .info(let info):
            optionalPeer(info.predecessor)
            peers(info.successors)
            peers(info.fingers)
            u64(info.ownedKeys)
            u64(info.replicaKeys)
            u64(info.tombstones)
            u64(info.storedBytes)
        case .stored(let count):
            u32(count)
        case .fetched(let entry):
            if let entry {
                u8(1)
                self.entry(entry)
            } else {
                u8(0)
            }
        case .syncDifferences(let buckets):
            count16(buckets.count)
            for bucket in buckets { u16(bucket) }
        case .error(let status):
            u8(status.rawValue)
        }
    }
}

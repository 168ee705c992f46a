import ChordCore

/// Reads one envelope from a datagram, checking every length against the bytes left before
/// reading or allocating.
struct WireReader {
    let bytes: UnsafeRawBufferPointer
    var index = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    // MARK: Primitives

    /// Throws unless `count` more bytes are left.
    @inline(__always)
    func need(_ count: Int) throws(WireError) {
        guard count <= bytes.count &- index else {
            throw .truncated(expected: index + count, got: bytes.count)
        }
    }

    @inline(__always)
    mutating func u8() throws(WireError) -> UInt8 {
        try need(1)
        let value = bytes.load(fromByteOffset: index, as: UInt8.self)
        index &+= 1
        return value
    }

    @inline(__always)
    mutating func u16() throws(WireError) -> UInt16 {
        try need(2)
        let value = bytes.loadUnaligned(fromByteOffset: index, as: UInt16.self)
        index &+= 2
        return UInt16(bigEndian: value)
    }

    @inline(__always)
    mutating func u32() throws(WireError) -> UInt32 {
        try need(4)
        let value = bytes.loadUnaligned(fromByteOffset: index, as: UInt32.self)
        index &+= 4
        return UInt32(bigEndian: value)
    }

    @inline(__always)
    mutating func u64() throws(WireError) -> UInt64 {
        try need(8)
        let value = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
        index &+= 8
        return UInt64(bigEndian: value)
    }

    /// `count` bytes copied out (the caller has bounded `count`).
    mutating func byteArray(_ count: Int) throws(WireError) -> [UInt8] {
        try need(count)
        guard count > 0, let base = bytes.baseAddress else { return [] }
        let source = base + index
        index &+= count
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(start: source, count: count))
            initialized = count
        }
    }

    /// A presence byte: 0 absent, 1 present.
    @inline(__always)
    mutating func present() throws(WireError) -> Bool {
        switch try u8() {
        case 0: return false
        case 1: return true
        default: throw .invalidField("presence byte")
        }
    }

    /// A 1-byte list count no larger than `limit`, whose elements (at least `elementBytes`
    /// each) fit in the bytes left: checked before anything is allocated for them.
    @inline(__always)
    mutating func count8(limit: Int, elementBytes: Int) throws(WireError) -> Int {
        let count = Int(try u8())
        guard count <= limit else { throw .tooLarge(count) }
        try need(count * elementBytes)
        return count
    }

    /// A 2-byte list count, checked as `count8` does.
    @inline(__always)
    mutating func count16(limit: Int, elementBytes: Int) throws(WireError) -> Int {
        let count = Int(try u16())
        guard count <= limit else { throw .tooLarge(count) }
        try need(count * elementBytes)
        return count
    }

    // MARK: Fields

    mutating func identifier() throws(WireError) -> Identifier {
        try need(Identifier.byteCount)
        let high = try u32()
        let middle = try u64()
        let low = try u64()
        return Identifier(high: UInt64(high), middle: middle, low: low)
    }

    mutating func address() throws(WireError) -> NodeAddress {
        let family = try u8()
        let address: NodeAddress
        switch family {
        case NodeAddress.Family.ipv4.rawValue:
            let bits = try u32()
            let port = try u16()
            address = NodeAddress(ipv4: bits, port: port)
        case NodeAddress.Family.ipv6.rawValue:
            let high = try u64()
            let low = try u64()
            let port = try u16()
            address = NodeAddress(ipv6High: high, ipv6Low: low, port: port)
        default:
            throw .invalidField("address family \(family)")
        }
        guard address.port != 0 else { throw .invalidField("port 0") }
        return address
    }

    mutating func peer() throws(WireError) -> Peer {
        let id = try identifier()
        return Peer(id: id, address: try address())
    }

    mutating func optionalPeer() throws(WireError) -> Peer? {
        try present() ? try peer() : nil
    }

    mutating func peers(limit: Int = WireFormat.maximumPeers) throws(WireError) -> [Peer] {
        let count = try count8(limit: limit, elementBytes: FieldSize.minimumPeer)
        var peers: [Peer] = []
        peers.reserveCapacity(count)
        for _ in 0..<count { peers.append(try peer()) }
        return peers
    }

    /// A key of any length that fits the datagram: the node, not the decoder, refuses an
    /// empty or too long key, so that the sender hears why (`key too large`).
    mutating func key() throws(WireError) -> [UInt8] {
        try byteArray(Int(try u16()))
    }

    /// A value of any length that fits the datagram (the node answers `value too large`).
    mutating func value() throws(WireError) -> [UInt8] {
        try byteArray(Int(try u32()))
    }

    mutating func optionalValue() throws(WireError) -> [UInt8]? {
        try present() ? try value() : nil
    }

    mutating func status() throws(WireError) -> Status {
        let byte = try u8()
        guard let status = Status(rawValue: byte) else { throw .invalidField("status \(byte)") }
        return status
    }

    mutating func version() throws(WireError) -> Version {
        let timestamp = try u64()
        return Version(timestamp: timestamp, writer: try u64())
    }

    mutating func entry() throws(WireError) -> StoredEntry {
        let key = try key()
        let value = try optionalValue()
        return StoredEntry(key: key, value: value, version: try version())
    }

    mutating func step() throws(WireError) -> LookupStep {
        switch try u8() {
        case FieldSize.stepOwner: return .owner(try peers())
        case FieldSize.stepCloser: return .closer(try peers())
        default: throw .invalidField("lookup step kind")
        }
    }

    mutating func hop() throws(WireError) -> LookupHop {
        let address = try address()
        let flags = try u8()
        guard flags & ~(FieldSize.hopHasID | FieldSize.hopHasRoundTrip | FieldSize.hopConfirmsOwner) == 0 else {
            throw .invalidField("hop flags")
        }
        let id = flags & FieldSize.hopHasID != 0 ? try identifier() : nil
        let roundTrip = flags & FieldSize.hopHasRoundTrip != 0 ? Int64(bitPattern: try u64()) : nil
        return LookupHop(address: address, id: id, roundTrip: roundTrip,
                         confirmsOwner: flags & FieldSize.hopConfirmsOwner != 0)
    }

    // MARK: Envelope

    /// Reads the magic, version, type and flags (the first 5 bytes), refusing reserved flag
    /// bits: what may be read before a cluster-key tag is checked.
    mutating func readHeaderStart() throws(WireError) -> (typeCode: UInt8, flags: UInt8) {
        guard bytes.count <= WireFormat.maximumDatagramBytes else { throw .tooLarge(bytes.count) }
        try need(WireFormat.headerBytes)
        guard try u8() == WireFormat.magic.0, try u8() == WireFormat.magic.1 else { throw .badMagic }
        let version = try u8()
        guard version == WireFormat.protocolVersion else { throw .unsupportedVersion(version) }
        let typeCode = try u8()
        let flags = try u8()
        guard flags & ~FieldSize.knownFlags == 0 else { throw .invalidField("header flags") }
        return (typeCode, flags)
    }

    /// Reads a whole datagram that carries no cluster-key trailer (flags bit 2 clear).
    mutating func readEnvelope() throws(WireError) -> Envelope {
        let (typeCode, flags) = try readHeaderStart()
        guard flags & FieldSize.authenticated == 0 else { throw .unexpectedTag }
        return try readEnvelope(typeCode: typeCode, flags: flags)
    }

    /// Reads the rest of an envelope after `readHeaderStart`: request id, cookie, sender and
    /// body, which must end exactly at the end of `bytes` (for an authenticated datagram, a
    /// reader over the bytes before the trailer).
    mutating func readEnvelope(typeCode: UInt8, flags: UInt8) throws(WireError) -> Envelope {
        let requestID = try u64()
        let cookie = flags & FieldSize.cookiePresent != 0 ? try u64() : nil
        let sender = flags & FieldSize.senderPresent != 0 ? try peer() : nil

        guard let type = MessageType(rawValue: typeCode) else {
            guard typeCode < MessageType.firstResponse else { throw .unknownResponseType(typeCode) }
            // An unknown request: the header is valid; its body is not ours to read.
            return Envelope(requestID: requestID, cookie: cookie, sender: sender, message: .unknownRequest(type: typeCode))
        }
        let message = try body(type)
        var padding = 0
        if flags & FieldSize.padded != 0 {
            padding = Int(try u16())
            guard padding > 0 else { throw .invalidField("padding") }
            try need(padding)
            for offset in index..<(index + padding) where bytes[offset] != 0 { throw .invalidField("padding") }
            index &+= padding
        }
        guard index == bytes.count else { throw .trailingBytes(bytes.count - index) }
        return Envelope(requestID: requestID, cookie: cookie, sender: sender, message: message, padding: padding)
    }

    mutating func body(_ type: MessageType) throws(WireError) -> Message {
        switch type {
        case .ping: return .ping
        case .getNeighbors: return .getNeighbors
        case .notify: return .notify
        case .announce: return .announce
        case .getInfo: return .getInfo
        case .pong: return .pong
        case .findNext: return .findNext(target: try identifier())
        case .traceLookup: return .traceLookup(target: try identifier())
        case .leaving:
            let predecessor = try optionalPeer()
            return .leaving(predecessor: predecessor, successors: try peers())
        case .neighbors:
            let predecessor = try optionalPeer()
            return .neighbors(predecessor: predecessor, successors: try peers())
        case .get: return .get(key: try key())
        case .remove: return .remove(key: try key())
        case .fetch: return .fetch(key: try key())
        case .put:
            let key = try key()
            return .put(key: key, value: try value())
        case .ownerGet: return .ownerRequest(.get(key: try key()))
        case .ownerRemove: return .ownerRequest(.remove(key: try key()))
        case .ownerPut:
            let key = try key()
            return .ownerRequest(.put(key: key, value: try value()))
        case .store:
            let count = try count16(limit: WireFormat.maximumEntries,
                                         elementBytes: FieldSize.minimumEntry)
            var entries: [StoredEntry] = []
            entries.reserveCapacity(count)
            for _ in 0..<count { entries.append(try entry()) }
            return .store(entries: entries)
        case .syncDigest:
            let lower = try identifier()
            let upper = try identifier()
            let count = try count16(limit: WireFormat.maximumBuckets, elementBytes: 8)
            var digests: [UInt64] = []
            digests.reserveCapacity(count)
            for _ in 0..<count { digests.append(try u64()) }
            return .syncDigest(lower: lower, upper: upper, digests: digests)
        case .nextHop: return .nextHop(try step())
        case .redirect: return .redirect(try step())
        case .result:
            let status = try status()
            return .result(status: status, value: try optionalValue())
        case .trace:
            let target = try identifier()
            let status = try status()
            let count = try count8(limit: WireFormat.maximumHops, elementBytes: FieldSize.minimumHop)
            var hops: [LookupHop] = []
            hops.reserveCapacity(count)
            for _ in 0..<count { hops.append(try hop()) }
            let owner = try optionalPeer()
            let successors = try peers()
            let elapsed = Int64(bitPattern: try u64())
            return .trace(LookupTrace(target: target, status: status, hops: hops, owner: owner,
                                      successors: successors, elapsed: elapsed))
        case .info:
            let predecessor = try optionalPeer()
            let successors = try peers()
            let fingers = try peers(limit: WireFormat.maximumFingers)
            let ownedKeys = try u64()
            let replicaKeys = try u64()
            let tombstones = try u64()
            let storedBytes = try u64()
            return .info(NodeInfo(predecessor: predecessor, successors: successors, fingers: fingers,
                                  ownedKeys: ownedKeys, replicaKeys: replicaKeys, tombstones: tombstones,
                                  storedBytes: storedBytes))
        case .stored: return .stored(count: try u32())
        case .fetched: return .fetched(try present() ? try entry() : nil)
        case .syncDifferences:
            let count = try count16(limit: WireFormat.maximumBuckets, elementBytes: 2)
            var buckets: [UInt16] = []
            buckets.reserveCapacity(count)
            for _ in 0..<count { buckets.append(try u16()) }
            return .syncDifferences(buckets: buckets)
        case .error: return .error(try status())
        }
    }
}

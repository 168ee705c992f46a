import ChordCore
@testable import ChordWire

/// Representative and edge-case envelopes: every `Message` case, IPv4 and IPv6 peers, empty
/// and full lists, maximal keys and values (and some beyond the store's limits, which decode so
/// that a node can answer why it refuses them), tombstones, hops with and without round trips,
/// with and without a cookie.
enum Fixtures {
    static let v4 = Peer(address: NodeAddress(ipv4: 0x7F00_0001, port: 4000))
    static let v4Edge = Peer(id: .max, address: NodeAddress(ipv4: 0xFFFF_FFFF, port: 0xFFFF))
    static let v6 = Peer(address: NodeAddress(ipv6High: 0x2001_0DB8_0000_0000, ipv6Low: 0x0000_0000_0000_0001, port: 4001))
    static let v6Edge = Peer(id: .zero, address: NodeAddress(ipv6High: .max, ipv6Low: .max, port: 1))
    static let mixed = [v4, v6, v4Edge, v6Edge]
    static let maximalPeers = (0..<WireFormat.maximumPeers).map {
        Peer(address: NodeAddress(ipv6High: 0xFD00 << 48, ipv6Low: UInt64($0), port: UInt16(1 + $0)))
    }
    static let maximalFingers = (0..<WireFormat.maximumFingers).map {
        Peer(address: NodeAddress(ipv4: 0x0A00_0000 + UInt32($0), port: 4000))
    }

    static let shortKey: [UInt8] = Array("user:42".utf8)
    static let oneByteKey: [UInt8] = [0x61]
    static let maximalKey = [UInt8](repeating: 0x6B, count: StorageLimits.maximumKeyBytes)
    static let maximalValue = (0..<StorageLimits.maximumValueBytes).map { UInt8(truncatingIfNeeded: $0 &* 31) }
    static let smallValue: [UInt8] = Array("hello, ring".utf8)
    /// Beyond the store's limits, yet within one datagram: the decoder accepts them, a node
    /// answers `key too large` / `value too large`.
    static let emptyKey: [UInt8] = []
    static let oversizedKey = [UInt8](repeating: 0x6C, count: StorageLimits.maximumKeyBytes + 1)
    static let oversizedValue = [UInt8](repeating: 0x76, count: StorageLimits.maximumValueBytes + 1)
    static let cookie: UInt64 = 0x0C00_C1E5_FEED_BEEF
    static let version = Version(timestamp: 0x0001_8F00_0000_0003, writer: 0xDEAD_BEEF_0BAD_F00D)
    static let target = Identifier(hex: "0123456789abcdef0123456789abcdef01234567")!

    static let entries = [
        StoredEntry(key: shortKey, value: smallValue, version: version),
        StoredEntry(key: oneByteKey, value: nil, version: .zero),  // tombstone
        StoredEntry(key: maximalKey, value: [], version: Version(timestamp: .max, writer: .max)),
    ]

    static let hops = [
        LookupHop(address: v4.address, id: nil, roundTrip: nil),  // bootstrap, timed out
        LookupHop(address: v6.address, id: v6.id, roundTrip: 1_234_567),
        LookupHop(address: v4Edge.address, id: v4Edge.id, roundTrip: 0, confirmsOwner: true),
        LookupHop(address: v6Edge.address, id: nil, roundTrip: .max, confirmsOwner: true),
    ]

    /// Every message case, most with several variants.
    static let messages: [(String, Message)] = [
        ("ping", .ping),
        ("getNeighbors", .getNeighbors),
        ("notify", .notify),
        ("announce", .announce),
        ("findNext", .findNext(target: target)),
        ("findNext zero", .findNext(target: .zero)),
        ("findNext max", .findNext(target: .max)),
        ("leaving empty", .leaving(predecessor: nil, successors: [])),
        ("leaving mixed", .leaving(predecessor: v6, successors: mixed)),
        ("get", .get(key: shortKey)),
        ("get maximal key", .get(key: maximalKey)),
        ("put", .put(key: shortKey, value: smallValue)),
        ("put empty value", .put(key: oneByteKey, value: [])),
        ("put maximal", .put(key: maximalKey, value: maximalValue)),
        ("put empty key", .put(key: emptyKey, value: smallValue)),
        ("put oversized key", .put(key: oversizedKey, value: smallValue)),
        ("put oversized value", .put(key: shortKey, value: oversizedValue)),
        ("get empty key", .get(key: emptyKey)),
        ("get oversized key", .get(key: oversizedKey)),
        ("remove", .remove(key: shortKey)),
        ("traceLookup", .traceLookup(target: target)),
        ("getInfo", .getInfo),
        ("ownerRequest get", .ownerRequest(.get(key: shortKey))),
        ("ownerRequest put", .ownerRequest(.put(key: shortKey, value: smallValue))),
        ("ownerRequest put maximal", .ownerRequest(.put(key: maximalKey, value: maximalValue))),
        ("ownerRequest remove", .ownerRequest(.remove(key: maximalKey))),
        ("store empty", .store(entries: [])),
        ("store", .store(entries: entries)),
        ("store maximal entry", .store(entries: [StoredEntry(key: maximalKey, value: maximalValue, version: version)])),
        ("store oversized entry", .store(entries: [StoredEntry(key: oversizedKey, value: oversizedValue, version: version)])),
        ("fetch", .fetch(key: shortKey)),
        ("syncDigest empty", .syncDigest(lower: .zero, upper: .max, digests: [])),
        ("syncDigest", .syncDigest(lower: target, upper: v4.id, digests: [0, 1, .max, 0x0123_4567_89AB_CDEF])),
        ("syncDigest maximal", .syncDigest(lower: v6.id, upper: v4.id,
                                           digests: (0..<WireFormat.maximumBuckets).map { UInt64($0) &* 0x9E37_79B9_7F4A_7C15 })),
        ("pong", .pong),
        ("neighbors empty", .neighbors(predecessor: nil, successors: [])),
        ("neighbors", .neighbors(predecessor: v4, successors: mixed)),
        ("neighbors maximal", .neighbors(predecessor: v6Edge, successors: maximalPeers)),
        ("nextHop owner", .nextHop(.owner([v4, v6]))),
        ("nextHop owner empty", .nextHop(.owner([]))),
        ("nextHop closer", .nextHop(.closer(mixed))),
        ("nextHop closer maximal", .nextHop(.closer(maximalPeers))),
        ("result ok value", .result(status: .ok, value: smallValue)),
        ("result ok empty value", .result(status: .ok, value: [])),
        ("result ok maximal value", .result(status: .ok, value: maximalValue)),
        ("result notFound", .result(status: .notFound, value: nil)),
        ("result badRequest", .result(status: .badRequest, value: nil)),
        ("redirect owner", .redirect(.owner([v6]))),
        ("redirect closer", .redirect(.closer([v4Edge, v6Edge]))),
        ("trace found", .trace(LookupTrace(target: target, status: .ok, hops: hops, owner: v6,
                                           successors: mixed, elapsed: 9_876_543))),
        ("trace failed", .trace(LookupTrace(target: .max, status: .timedOut, hops: [], owner: nil,
                                            successors: [], elapsed: -1))),
        ("trace maximal hops", .trace(LookupTrace(target: .zero, status: .internalFailure,
                                                  hops: (0..<WireFormat.maximumHops).map { hops[$0 % hops.count] },
                                                  owner: v4, successors: maximalPeers, elapsed: .max))),
        ("info empty", .info(NodeInfo(predecessor: nil, successors: [], fingers: [], ownedKeys: 0, replicaKeys: 0,
                                      tombstones: 0, storedBytes: 0))),
        ("info", .info(NodeInfo(predecessor: v4, successors: mixed, fingers: [v6, v4Edge], ownedKeys: 12,
                                replicaKeys: 34, tombstones: 5, storedBytes: .max))),
        ("info maximal fingers", .info(NodeInfo(predecessor: v6, successors: maximalPeers, fingers: maximalFingers,
                                                ownedKeys: 1, replicaKeys: 2, tombstones: 3, storedBytes: 4))),
        ("stored", .stored(count: 3)),
        ("stored max", .stored(count: .max)),
        ("fetched nil", .fetched(nil)),
        ("fetched value", .fetched(entries[0])),
        ("fetched tombstone", .fetched(entries[1])),
        ("syncDifferences empty", .syncDifferences(buckets: [])),
        ("syncDifferences", .syncDifferences(buckets: [0, 7, .max])),
        ("error unknownCommand", .error(.unknownCommand)),
        ("error overloaded", .error(.overloaded)),
        ("error retryWithCookie", .error(.retryWithCookie)),
        ("error authenticationFailed", .error(.authenticationFailed)),
        ("error noClusterKey", .error(.noClusterKey)),
        ("result keyTooLarge", .result(status: .keyTooLarge, value: nil)),
        ("result valueTooLarge", .result(status: .valueTooLarge, value: nil)),
        ("unknownRequest", .unknownRequest(type: 0x7F)),
        ("unknownRequest zero", .unknownRequest(type: 0x00)),
    ]

    /// Each message with no sender, an IPv4 sender and an IPv6 sender, with and without a
    /// cookie, and assorted request ids.
    static let envelopes: [Envelope] = messages.enumerated().flatMap { index, pair in
        [
            Envelope(requestID: UInt64(index), sender: nil, message: pair.1),
            Envelope(requestID: .max - UInt64(index), sender: v4, message: pair.1),
            Envelope(requestID: 0x0102_0304_0506_0708, sender: v6Edge, message: pair.1),
            Envelope(requestID: UInt64(index) << 32, cookie: cookie, sender: nil, message: pair.1),
            Envelope(requestID: 0x0807_0605_0403_0201, cookie: .max, sender: v6, message: pair.1),
            // Padding (an unknown request's body, padding included, is not read: none there).
            Envelope(requestID: UInt64(index) + 7, sender: v4, message: pair.1,
                     padding: pair.1.isUnknownRequest ? 0 : 1 + 37 * index % 120),
        ]
    }

    /// Small envelopes (a few hundred bytes at most) for exhaustive truncation and fuzzing.
    static let small: [Envelope] = envelopes.filter { WireFormat.encodedSize(of: $0) <= 600 }

    /// Every type code this build knows, by the message that carries it.
    static let knownTypeCodes: [UInt8] = [
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x10, 0x11, 0x12, 0x13, 0x14, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25,
        0x81, 0x82, 0x85, 0x90, 0x93, 0x94, 0xA0, 0xA3, 0xA4, 0xA5, 0xFF,
    ]
}

/// Hex text of bytes ("43 48 01 ..."), for readable failures.
func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var text: [UInt8] = []
    for (index, byte) in bytes.enumerated() {
        if index > 0 { text.append(0x20) }
        text.append(digits[Int(byte >> 4)])
        text.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: text, as: UTF8.self)
}

/// The error `decode` throws, or nil when it succeeds.
func decodeError(_ bytes: [UInt8]) -> WireError? {
    do {
        _ = try WireFormat.decode(bytes)
        return nil
    } catch {
        return error
    }
}

extension Message {
    var isUnknownRequest: Bool {
        if case .unknownRequest = self { return true }
        return false
    }
}

import ChordCore

/// The binary wire protocol: one `Envelope` per UDP datagram.
///
/// The format is specified byte by byte in docs/PROTOCOL.md. In short: a 13-byte header
/// (magic "CH", version 2, message type, flags, request id), the cookie when flags bit 1 says
/// so, the sender when a ring member sent it, then the body. Integers are big-endian.
///
/// Decoding is strict: any datagram that is not exactly one well-formed message throws a
/// `WireError` (it never traps, and never allocates more than the datagram's size). Keys and
/// values of any length that fits the datagram decode: the node refuses an empty key, a key
/// over `StorageLimits.maximumKeyBytes` or a value over `StorageLimits.maximumValueBytes` with
/// a status the sender can read. Encoding does not check limits: a list over its bound gives
/// a datagram every receiver rejects, so callers validate user input first. Nor does it check
/// the total size: callers
/// that can build large messages (values, `store` batches, traces, infos) compare
/// `encodedSize(of:)` (or the encoded `count`) with `maximumDatagramBytes` before sending.
/// `.unknownRequest(type:)` encodes as its type code with an empty body (to probe a node);
/// its type should be an unassigned request code (0x00...0x7F).
public enum WireFormat {
    /// The largest UDP payload over IPv4 (65,535 − 8 UDP − 20 IP header bytes).
    public static let maximumDatagramBytes = 65_507
    /// The protocol version this build speaks (header byte 2).
    public static let protocolVersion: UInt8 = 2
    /// The two magic bytes every datagram starts with: "CH".
    public static let magic: (UInt8, UInt8) = (0x43, 0x48)
    /// Bytes of the fixed header (magic, version, type, flags, request id).
    public static let headerBytes = WireSize.header

    /// Most peers in a successor list, lookup step or neighbour list.
    public static let maximumPeers = 64
    /// Most peers in `NodeInfo.fingers` (one per finger at most).
    public static let maximumFingers = 160
    /// Most hops in a lookup trace.
    public static let maximumHops = 255
    /// Most entries in one `store`.
    public static let maximumEntries = 4096
    /// Most digests in one `syncDigest`, and most buckets in one `syncDifferences`.
    public static let maximumBuckets = 4096

    /// Encodes `envelope` into a new array of exactly `encodedSize(of: envelope)` bytes.
    /// The result may exceed `maximumDatagramBytes`; see the type's documentation.
    public static func encode(_ envelope: Envelope) -> [UInt8] {
        var bytes: [UInt8] = []
        encode(envelope, into: &bytes)
        return bytes
    }

    /// Encodes `envelope` into `buffer`, replacing its contents and reusing its capacity
    /// (a sender that keeps one buffer allocates only when a message outgrows it).
    public static func encode(_ envelope: Envelope, into buffer: inout [UInt8]) {
        buffer.removeAll(keepingCapacity: true)
        buffer.reserveCapacity(encodedSize(of: envelope))
        var writer = WireWriter(buffer: buffer)
        buffer = []
        writer.write(envelope)
        buffer = writer.buffer
    }

    /// Decodes one datagram. Throws on anything but exactly one well-formed message; an
    /// unknown request type with a valid header decodes to `.unknownRequest(type:)`.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> Envelope {
        var reader = WireReader(bytes)
        return try reader.readEnvelope()
    }

    /// Decodes one datagram held in an array; see `decode(_:)` for raw buffers.
    public static func decode(_ bytes: [UInt8]) throws(WireError) -> Envelope {
        let result = bytes.withUnsafeBytes { buffer -> Result<Envelope, WireError> in
            do throws(WireError) {
                return .success(try decode(buffer))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// The message type byte (header byte 3) `message` is sent with.
    public static func typeCode(of message: Message) -> UInt8 {
        if case .unknownRequest(let type) = message { return type }
        return MessageType(message)!.rawValue
    }
}

/// The message type codes. Requests are 0x00...0x7F, responses 0x80...0xFF, so that a
/// receiver can tell an unknown request (answered with `.error(.unknownCommand)`) from an
/// unknown response (dropped).
enum MessageType: UInt8 {
    // Ring maintenance and routing.
    case ping = 0x01
    case getNeighbors = 0x02
    case notify = 0x03
    case announce = 0x04
    case findNext = 0x05
    case leaving = 0x06
    // Client requests.
    case get = 0x10
    case put = 0x11
    case remove = 0x12
    case traceLookup = 0x13
    case getInfo = 0x14
    // Storage requests between nodes.
    case ownerGet = 0x20
    case ownerPut = 0x21
    case ownerRemove = 0x22
    case store = 0x23
    case fetch = 0x24
    case syncDigest = 0x25
    // Responses.
    case pong = 0x81
    case neighbors = 0x82
    case nextHop = 0x85
    case result = 0x90
    case trace = 0x93
    case info = 0x94
    case redirect = 0xA0
    case stored = 0xA3
    case fetched = 0xA4
    case syncDifferences = 0xA5
    case error = 0xFF

    /// The first response type code.
    static let firstResponse: UInt8 = 0x80

    /// The type of a known message; nil for `.unknownRequest` (its code is its own).
    init?(_ message: Message) {
        switch message {
        case .ping: self = .ping
        case .getNeighbors: self = .getNeighbors
        case .notify: self = .notify
        case .announce: self = .announce
        case .findNext: self = .findNext
        case .leaving: self = .leaving
        case .get: self = .get
        case .put: self = .put
        case .remove: self = .remove
        case .traceLookup: self = .traceLookup
        case .getInfo: self = .getInfo
        case .ownerRequest(.get): self = .ownerGet
        case .ownerRequest(.put): self = .ownerPut
        case .ownerRequest(.remove): self = .ownerRemove
        case .store: self = .store
        case .fetch: self = .fetch
        case .syncDigest: self = .syncDigest
        case .pong: self = .pong
        case .neighbors: self = .neighbors
        case .nextHop: self = .nextHop
        case .result: self = .result
        case .redirect: self = .redirect
        case .trace: self = .trace
        case .info: self = .info
        case .stored: self = .stored
        case .fetched: self = .fetched
        case .syncDifferences: self = .syncDifferences
        case .error: self = .error
        case .unknownRequest: return nil
        }
    }
}

/// Bytes of the fields the encoder and decoder share.
enum FieldSize {
    /// Flags bit 0: the sender follows the header.
    static let senderPresent: UInt8 = 0x01
    /// Flags bit 1: the cookie follows the request id.
    static let cookiePresent: UInt8 = 0x02
    /// Flags bit 2: the datagram ends with a cluster-key trailer (timestamp and tag).
    static let authenticated: UInt8 = 0x04
    /// Every flag bit this version defines.
    /// Flags bit 3: padding follows the body (a length u16, then that many bytes).
    static let padded: UInt8 = 0x08
    static let knownFlags: UInt8 = senderPresent | cookiePresent | authenticated | padded
    /// Smallest encoded peer: identifier, family, IPv4 address, port.
    static let minimumPeer = Identifier.byteCount + 1 + 4 + 2
    /// Smallest encoded lookup hop: IPv4 address, flags.
    static let minimumHop = 1 + 4 + 2 + 1
    /// Smallest encoded stored entry: key length, empty key (it decodes; the store refuses
    /// it), presence byte, version.
    static let minimumEntry = 2 + 0 + 1 + 16
    /// Lookup hop flags.
    static let hopHasID: UInt8 = 0x01
    static let hopHasRoundTrip: UInt8 = 0x02
    static let hopConfirmsOwner: UInt8 = 0x04
    /// Lookup step kinds.
    static let stepOwner: UInt8 = 0
    static let stepCloser: UInt8 = 1
}

extension WireFormat {
    /// The exact number of bytes `encode(envelope)` produces (`WireSize.of`). Compare it with
    /// `maximumDatagramBytes` before building a message that may be large.
    public static func encodedSize(of envelope: Envelope) -> Int {
        WireSize.of(envelope)
    }

    /// The bytes one entry adds to a `store` message (for packing entries into datagrams:
    /// a `store` is `encodedSize` of an empty `store` plus this for each entry).
    public static func encodedSize(of entry: StoredEntry) -> Int {
        WireSize.of(entry)
    }
}

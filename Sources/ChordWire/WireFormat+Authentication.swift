import ChordCore

/// The cluster-key layer (docs/PROTOCOL.md, "Cluster key"): with a key, a datagram has flags
/// bit 2 set and ends with a 24-byte trailer,
///
///     timestamp u64   Unix time of sending, milliseconds
///     tag 16 bytes    the first 16 bytes of HMAC-SHA-256(key, every byte before the tag:
///                     header, cookie, sender, body and timestamp)
///
/// A receiver with a key reads only the first 5 header bytes (magic, version, type, flags),
/// then checks the tag (constant-time comparison), then the timestamp against its own clock
/// (`replayWindowMilliseconds` either way), and only then decodes the rest. A receiver without
/// a key refuses a tagged datagram (`WireError.unexpectedTag`) without reading its body.
extension WireFormat {
    /// Bytes of the timestamp in the trailer.
    public static let timestampBytes = 8
    /// Bytes of the (truncated) tag that ends an authenticated datagram.
    public static let tagBytes = 16
    /// Bytes an authenticated datagram has beyond its envelope: timestamp and tag.
    public static let trailerBytes = timestampBytes + tagBytes
    /// How far a timestamp may be from the receiver's clock, ahead or behind, in milliseconds:
    /// 30 s. A datagram replayed later than this is dropped; within it, requests to a node are
    /// answered from its reply cache (kept 60 s), not applied twice. Clocks of a cluster must
    /// agree to well within it.
    public static let replayWindowMilliseconds: UInt64 = 30_000

    /// The exact size of `envelope` encoded with `key` (`encodedSize(of:)` plus the trailer
    /// when there is a key).
    public static func encodedSize(of envelope: Envelope, key: ClusterKey?) -> Int {
        encodedSize(of: envelope) + (key == nil ? 0 : trailerBytes)
    }

    /// Encodes `envelope` into `buffer` (replacing its contents): with a key, authenticated
    /// at `unixMilliseconds`; without one, exactly as `encode(_:into:)`.
    public static func encode(_ envelope: Envelope, key: ClusterKey?, unixMilliseconds: UInt64,
                              into buffer: inout [UInt8]) {
        guard let key else { return encode(envelope, into: &buffer) }
        buffer.removeAll(keepingCapacity: true)
        buffer.reserveCapacity(encodedSize(of: envelope) + trailerBytes)
        var writer = WireWriter(buffer: buffer)
        buffer = []
        writer.write(envelope, authenticated: true)
        writer.u64(unixMilliseconds)
        buffer = writer.buffer
        key.appendTag(to: &buffer)
    }

    /// Encodes `envelope` into a new array; see `encode(_:key:unixMilliseconds:into:)`.
    public static func encode(_ envelope: Envelope, key: ClusterKey?, unixMilliseconds: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        encode(envelope, key: key, unixMilliseconds: unixMilliseconds, into: &bytes)
        return bytes
    }

    /// Decodes one datagram received at `unixMilliseconds`. With a key: throws `missingTag`
    /// (no trailer), `badTag` or `staleTimestamp` before the body is read. Without one: as
    /// `decode(_:)`, which throws `unexpectedTag` for a tagged datagram.
    public static func decode(_ bytes: UnsafeRawBufferPointer, key: ClusterKey?,
                              unixMilliseconds: UInt64) throws(WireError) -> Envelope {
        guard let key else { return try decode(bytes) }
        var reader = WireReader(bytes)
        let (typeCode, flags, timestamp, inner) = try open(&reader, key: key)
        let skew = skewMilliseconds(timestamp, from: unixMilliseconds)
        guard skew.magnitude <= replayWindowMilliseconds else { throw .staleTimestamp(skewMilliseconds: skew) }
        var innerReader = WireReader(inner)
        innerReader.index = reader.index
        return try innerReader.readEnvelope(typeCode: typeCode, flags: flags)
    }

    /// Decodes one datagram held in an array; see `decode(_:key:unixMilliseconds:)`.
    public static func decode(_ bytes: [UInt8], key: ClusterKey?, unixMilliseconds: UInt64) throws(WireError) -> Envelope {
        let result = bytes.withUnsafeBytes { buffer -> Result<Envelope, WireError> in
            do throws(WireError) {
                return .success(try decode(buffer, key: key, unixMilliseconds: unixMilliseconds))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Decodes an authenticated datagram whose tag is right, whatever its timestamp, and
    /// returns the timestamp too. Only for telling a client why it was refused (its clock
    /// is off, `staleTimestamp`); never act on a message read this way: it may be a replay.
    public static func decodeIgnoringReplayWindow(_ bytes: UnsafeRawBufferPointer, key: ClusterKey)
        throws(WireError) -> (envelope: Envelope, unixMilliseconds: UInt64) {
        var reader = WireReader(bytes)
        let (typeCode, flags, timestamp, inner) = try open(&reader, key: key)
        var innerReader = WireReader(inner)
        innerReader.index = reader.index
        return (try innerReader.readEnvelope(typeCode: typeCode, flags: flags), timestamp)
    }

    /// The request id and type of a datagram whose first 13 bytes are a header this version
    /// reads (magic, version, no reserved flag bits), without checking anything else: for
    /// answering a request refused by the cluster-key check. Nil otherwise.
    public static func header(of bytes: UnsafeRawBufferPointer) -> (typeCode: UInt8, requestID: UInt64)? {
        var reader = WireReader(bytes)
        guard let (typeCode, _) = try? reader.readHeaderStart(), let requestID = try? reader.u64() else { return nil }
        return (typeCode, requestID)
    }

    /// Whether a header's type code is a request's (0x00...0x7F).
    public static func isRequest(typeCode: UInt8) -> Bool {
        typeCode < MessageType.firstResponse
    }

    /// Reads the header's first 5 bytes and checks the tag: the type, the flags, the trailer's
    /// timestamp and the bytes before the trailer (`reader` stands after the flags).
    private static func open(_ reader: inout WireReader, key: ClusterKey)
        throws(WireError) -> (typeCode: UInt8, flags: UInt8, timestamp: UInt64, inner: UnsafeRawBufferPointer) {
        let (typeCode, flags) = try reader.readHeaderStart()
        guard flags & FieldSize.authenticated != 0 else { throw .missingTag }
        let bytes = reader.bytes
        guard bytes.count >= headerBytes + trailerBytes else {
            throw .truncated(expected: headerBytes + trailerBytes, got: bytes.count)
        }
        let tagStart = bytes.count - tagBytes
        guard key.isTag(UnsafeRawBufferPointer(rebasing: bytes[tagStart...]),
                        of: UnsafeRawBufferPointer(rebasing: bytes[..<tagStart])) else { throw .badTag }
        let timestampStart = tagStart - timestampBytes
        let timestamp = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: timestampStart, as: UInt64.self))
        return (typeCode, flags, timestamp, UnsafeRawBufferPointer(rebasing: bytes[..<timestampStart]))
    }

    /// `timestamp` minus `now`, in milliseconds, saturated to the range of `Int64`.
    static func skewMilliseconds(_ timestamp: UInt64, from now: UInt64) -> Int64 {
        timestamp >= now ? Int64(clamping: timestamp - now) : -Int64(clamping: now - timestamp)
    }
}

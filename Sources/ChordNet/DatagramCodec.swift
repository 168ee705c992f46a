import ChordCore

/// Turns envelopes into datagrams and back: the wire format, seen from the runner.
///
/// The real format is `ChordWire.WireFormat`, with or without a cluster key; it plugs in
/// through chord-node's `WireCodecAdapter`. A codec that authenticates puts the sending time
/// in each datagram and checks it on receipt, so both directions get the wall-clock time in
/// Unix milliseconds. What it refuses it describes (`DatagramRejection`): the runner counts
/// it, and answers a refused request when the codec says how (`DatagramRefusal`).
public protocol DatagramCodec: Sendable {
    /// Encodings longer than this are not sent (they are dropped and counted).
    var maximumDatagramBytes: Int { get }
    /// Writes the datagram for `envelope`, sent at `unixMilliseconds`, into `buffer`, which
    /// the runner passes in empty.
    func encode(_ envelope: Envelope, unixMilliseconds: UInt64, into buffer: inout [UInt8])
    /// Reads one datagram received at `unixMilliseconds`; throws for anything it refuses.
    /// Must never trap on any input.
    func decode(_ bytes: UnsafeRawBufferPointer, unixMilliseconds: UInt64) throws(DatagramRejection) -> Envelope
    /// Writes the answer to a refused request (`DatagramRejection.refusal`) into `buffer`,
    /// which the runner passes in empty.
    func encodeRefusal(_ refusal: DatagramRefusal, unixMilliseconds: UInt64, into buffer: inout [UInt8])
}

/// Why a codec refused a datagram, and whether its sender should hear about it.
public struct DatagramRejection: Error, Sendable, CustomStringConvertible {
    /// What kind of refusal it is (what the runner counts).
    public enum Kind: Sendable, Equatable {
        /// Not a well-formed datagram: never answered.
        case malformed
        /// No valid cluster-key tag where the receiver has a key, or a tag where it has none.
        case unauthenticated
        /// A valid tag, but a timestamp outside the replay window.
        case stale
    }

    /// What kind of refusal it is.
    public var kind: Kind
    /// The answer the sender should get, if any (only a request whose header could be read).
    public var refusal: DatagramRefusal?
    /// Why, for the log.
    public var reason: String

    /// A rejection.
    public init(_ kind: Kind, refusal: DatagramRefusal? = nil, reason: String) {
        self.kind = kind
        self.refusal = refusal
        self.reason = reason
    }

    /// The reason.
    public var description: String { reason }
}

/// The short answer a refused request gets: an error status under its request id.
public struct DatagramRefusal: Sendable, Equatable {
    /// The refused request's id.
    public var requestID: UInt64
    /// The status to answer.
    public var status: Status
    /// Whether the answer is sealed with the receiver's cluster key (the request's tag was
    /// right, only its time was off) or sent without one.
    public var authenticated: Bool

    /// An answer.
    public init(requestID: UInt64, status: Status, authenticated: Bool) {
        self.requestID = requestID
        self.status = status
        self.authenticated = authenticated
    }
}

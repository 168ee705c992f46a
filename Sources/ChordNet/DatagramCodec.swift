import ChordCore

/// Turns envelopes into datagrams and back: the wire format, seen from the runner.
///
/// The real format is `ChordWire.WireFormat`; it plugs in through a one-line adapter, e.g.
/// ```swift
/// struct WireCodec: DatagramCodec {
///     var maximumDatagramBytes: Int { WireFormat.maximumDatagramBytes }
///     func encode(_ envelope: Envelope, into buffer: inout [UInt8]) { WireFormat.encode(envelope, into: &buffer) }
///     func decode(_ bytes: UnsafeRawBufferPointer) throws -> Envelope { try WireFormat.decode(bytes) }
/// }
/// ```
public protocol DatagramCodec: Sendable {
    /// Encodings longer than this are not sent (they are dropped and counted).
    var maximumDatagramBytes: Int { get }
    /// Writes the datagram for `envelope` into `buffer`, which the runner passes in empty.
    func encode(_ envelope: Envelope, into buffer: inout [UInt8])
    /// Reads one datagram; throws for anything malformed. Must never trap on any input.
    func decode(_ bytes: UnsafeRawBufferPointer) throws -> Envelope
}

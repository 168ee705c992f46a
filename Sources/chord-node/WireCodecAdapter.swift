import ChordCore
import ChordNet

// ─────────────────────────────────────────────────────────────────────────────────────────
// THE ONE PLACE WHERE THE WIRE CODEC PLUGS IN.
//
// When the ChordWire module lands: add "ChordWire" to chord-node's dependencies in
// Package.swift, `import ChordWire` here, and replace the three bodies below with
//     WireFormat.maximumDatagramBytes
//     WireFormat.encode(envelope, into: &buffer)
//     try WireFormat.decode(bytes)
// Until then a placeholder is used: it encodes nothing and decodes nothing, so a node can
// start, serve a ring of one and leave, but every datagram it receives counts as malformed.
// ─────────────────────────────────────────────────────────────────────────────────────────

/// The wire codec chord-node sends and receives with.
struct WireCodecAdapter: DatagramCodec {
    var maximumDatagramBytes: Int { 65_507 }

    func encode(_ envelope: Envelope, into buffer: inout [UInt8]) {
        buffer.removeAll()  // placeholder: see above
    }

    func decode(_ bytes: UnsafeRawBufferPointer) throws -> Envelope {
        throw PlaceholderCodecError.codecNotLinked  // placeholder: see above
    }

    /// Whether this is still the placeholder (chord-node warns at start).
    static let isPlaceholder = true
}

/// The placeholder's only error.
enum PlaceholderCodecError: Error, CustomStringConvertible {
    case codecNotLinked

    var description: String { "no wire codec linked yet (placeholder)" }
}

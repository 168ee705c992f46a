import ChordCore
import ChordNet
import ChordWire

/// The wire codec chord-node sends and receives with: the binary protocol of
/// docs/PROTOCOL.md (module ChordWire), seen through the shell's `DatagramCodec`.
struct WireCodecAdapter: DatagramCodec {
    var maximumDatagramBytes: Int { WireFormat.maximumDatagramBytes }

    func encode(_ envelope: Envelope, into buffer: inout [UInt8]) {
        WireFormat.encode(envelope, into: &buffer)
    }

    func decode(_ bytes: UnsafeRawBufferPointer) throws -> Envelope {
        try WireFormat.decode(bytes)
    }
}

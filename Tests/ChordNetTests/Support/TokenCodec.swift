import ChordCore
import ChordNet
import Synchronization

/// A test codec for runners in one process: `encode` parks the envelope in a shared table
/// and sends a 12-byte ticket ("TKN1" + 8-byte number); `decode` redeems the ticket.
/// Anything else is malformed.
final class TokenCodec: DatagramCodec {
    /// Why a datagram was refused.
    enum DecodeError: Error { case malformed, unknownTicket }

    private static let magic: [UInt8] = Array("TKN1".utf8)
    private let table = Mutex<(next: UInt64, parked: [UInt64: Envelope])>((1, [:]))
    let maximumDatagramBytes: Int

    /// A codec whose datagrams may be at most `maximumDatagramBytes` (12 are needed).
    init(maximumDatagramBytes: Int = 65_507) {
        self.maximumDatagramBytes = maximumDatagramBytes
    }

    func encode(_ envelope: Envelope, into buffer: inout [UInt8]) {
        let ticket = table.withLock { state in
            let ticket = state.next
            state.next += 1
            state.parked[ticket] = envelope
            return ticket
        }
        buffer.append(contentsOf: Self.magic)
        for shift in stride(from: 0, to: 64, by: 8) { buffer.append(UInt8(truncatingIfNeeded: ticket >> UInt64(shift))) }
    }

    func decode(_ bytes: UnsafeRawBufferPointer) throws -> Envelope {
        guard bytes.count == 12, Array(bytes[0..<4]) == Self.magic else { throw DecodeError.malformed }
        let ticket = bytes[4..<12].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard let envelope = table.withLock({ $0.parked.removeValue(forKey: ticket) }) else {
            throw DecodeError.unknownTicket
        }
        return envelope
    }
}

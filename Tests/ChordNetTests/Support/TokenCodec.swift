import ChordCore
import ChordNet
import Synchronization

/// A test codec for runners in one process: `encode` parks the envelope in a shared table
/// and sends a 12-byte ticket ("TKN1" + 8-byte number); `decode` redeems the ticket.
/// "TKNR" (unauthenticated) or "TKNS" (stale) followed by an 8-byte request id stands for a
/// request the codec refuses and asks to be answered, with fewer bytes a refusal it cannot
/// answer in so few. Anything else is malformed.
final class TokenCodec: DatagramCodec {
    private static let magic: [UInt8] = Array("TKN1".utf8)
    static let unauthenticatedMagic: [UInt8] = Array("TKNR".utf8)
    static let staleMagic: [UInt8] = Array("TKNS".utf8)
    private let table = Mutex<(next: UInt64, parked: [UInt64: Envelope])>((1, [:]))
    let maximumDatagramBytes: Int

    /// A codec whose datagrams may be at most `maximumDatagramBytes` (12 are needed).
    init(maximumDatagramBytes: Int = 65_507) {
        self.maximumDatagramBytes = maximumDatagramBytes
    }

    func encode(_ envelope: Envelope, unixMilliseconds: UInt64, into buffer: inout [UInt8]) {
        let ticket = table.withLock { state in
            let ticket = state.next
            state.next += 1
            state.parked[ticket] = envelope
            return ticket
        }
        buffer.append(contentsOf: Self.magic)
        for shift in stride(from: 0, to: 64, by: 8) { buffer.append(UInt8(truncatingIfNeeded: ticket >> UInt64(shift))) }
    }

    /// Encodes with any time (tickets carry none).
    func encode(_ envelope: Envelope, into buffer: inout [UInt8]) {
        encode(envelope, unixMilliseconds: 0, into: &buffer)
    }

    func decode(_ bytes: UnsafeRawBufferPointer, unixMilliseconds: UInt64) throws(DatagramRejection) -> Envelope {
        let head = Array(bytes.prefix(4))
        if head == Self.unauthenticatedMagic || head == Self.staleMagic {
            let kind: DatagramRejection.Kind = head == Self.staleMagic ? .stale : .unauthenticated
            let id = bytes.count == 12 ? bytes[4..<12].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) } : 0
            let refusal = DatagramRefusal(requestID: id, status: .authenticationFailed, authenticated: kind == .stale)
            throw DatagramRejection(kind, refusal: refusal, reason: "refused ticket")
        }
        guard bytes.count == 12, head == Self.magic else { throw DatagramRejection(.malformed, reason: "not a ticket") }
        let ticket = bytes[4..<12].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard let envelope = table.withLock({ $0.parked.removeValue(forKey: ticket) }) else {
            throw DatagramRejection(.malformed, reason: "unknown ticket")
        }
        return envelope
    }

    /// Decodes with any time.
    func decode(_ bytes: UnsafeRawBufferPointer) throws(DatagramRejection) -> Envelope {
        try decode(bytes, unixMilliseconds: 0)
    }

    func encodeRefusal(_ refusal: DatagramRefusal, unixMilliseconds: UInt64, into buffer: inout [UInt8]) {
        encode(Envelope(requestID: refusal.requestID, sender: nil, message: .error(refusal.status)),
               unixMilliseconds: unixMilliseconds, into: &buffer)
    }

    /// A refused request ticket: `magic` and the request id (little-endian, as tickets).
    static func refusedRequest(_ magic: [UInt8], requestID: UInt64) -> [UInt8] {
        magic + (0..<8).map { UInt8(truncatingIfNeeded: requestID >> UInt64(8 * $0)) }
    }
}

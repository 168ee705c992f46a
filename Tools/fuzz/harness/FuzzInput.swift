/// How the fuzzer's bytes become a sequence of datagrams.
///
/// An input that starts with the magic "CH" is one datagram, delivered from the address its
/// sender claims (or from a client when it names none). Any other input is a sequence of
/// chunks, each
///
///     control u8, length u16 (big-endian), that many bytes (one datagram)
///
/// delivered in order; a length past the end takes what is left. The control byte says where
/// the datagram comes from and what happens around it:
///
/// | bits | meaning |
/// |---|---|
/// | 0-2 | source: 0 the address its sender claims (a client if none), 1-4 the other members in ring order after the node (1 its successor, 4 its predecessor), 5 a stranger, 6 the node's own address, 7 not a datagram: a local input, a request or a pause (see `FuzzSession.local`) |
/// | 3 | reply: the datagram answers one of the node's recent requests (its request id and source become that request's) |
/// | 4-5 | which request to answer: 0 the latest, 1 the one before, ... |
/// | 6 | the sender is made to match the source (keeping its identifier when it names one) |
/// | 7 | fire the node's timer after delivering it |
///
/// The node is a member of the fuzz ring (`FuzzRing`), unless the first chunk is the local
/// input `announce`: then it is the same node restarted empty, joining through its successor.
struct FuzzControl {
    var byte: UInt8

    var source: Int { Int(byte & 0x07) }
    var isReply: Bool { byte & 0x08 != 0 }
    var replyIndex: Int { Int(byte >> 4 & 0x03) }
    var senderMatchesSource: Bool { byte & 0x40 != 0 }
    var firesTimer: Bool { byte & 0x80 != 0 }

    static let claimedSource = 0, strangerSource = 5, selfSource = 6, localInput = 7

    init(_ byte: UInt8) { self.byte = byte }

    /// A control byte from its parts.
    init(source: Int, reply: Int? = nil, senderMatchesSource: Bool = false, firesTimer: Bool = false) {
        byte = UInt8(source & 0x07)
        if let reply { byte |= 0x08 | UInt8(reply & 0x03) << 4 }
        if senderMatchesSource { byte |= 0x40 }
        if firesTimer { byte |= 0x80 }
    }
}

/// One chunk of an input: its control byte and its datagram's bytes.
struct FuzzChunk {
    var control: FuzzControl
    var bytes: UnsafeRawBufferPointer
}

enum FuzzInput {
    /// Most chunks taken from one input (keeps every execution short).
    static let maximumChunks = 16

    /// Calls `body` with each chunk of `input`, in order.
    static func forEachChunk(_ input: UnsafeRawBufferPointer, _ body: (FuzzChunk) -> Void) {
        if input.count >= 2 && input[0] == 0x43 && input[1] == 0x48 {
            body(FuzzChunk(control: FuzzControl(0), bytes: input))
            return
        }
        var offset = 0
        var chunks = 0
        while offset < input.count && chunks < maximumChunks {
            let control = input[offset]
            var length = input.count - offset - 1
            if length >= 2 {
                length = min(Int(input[offset + 1]) << 8 | Int(input[offset + 2]), length - 2)
                offset += 3
            } else {
                offset += 1
            }
            body(FuzzChunk(control: FuzzControl(control), bytes: UnsafeRawBufferPointer(rebasing: input[offset..<offset + length])))
            offset += length
            chunks += 1
        }
    }

    /// The bytes of a sequence of chunks (for the seed corpus).
    static func encode(_ chunks: [(control: UInt8, datagram: [UInt8])]) -> [UInt8] {
        var bytes: [UInt8] = []
        for (control, datagram) in chunks {
            bytes.append(control)
            bytes.append(UInt8(datagram.count >> 8))
            bytes.append(UInt8(datagram.count & 0xFF))
            bytes += datagram
        }
        return bytes
    }
}

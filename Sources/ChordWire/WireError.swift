/// Why a datagram could not be decoded. Every malformed input ends in one of these; the
/// decoder never traps and never allocates more than the datagram's own size.
public enum WireError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The datagram ended early: reading on needed `expected` bytes in all, it has `got`.
    case truncated(expected: Int, got: Int)
    /// The first two bytes are not "CH".
    case badMagic
    /// The protocol version byte is not one this build speaks.
    case unsupportedVersion(UInt8)
    /// A message type in the response range (0x80...0xFF) that this build does not know.
    /// (An unknown request type decodes to `Message.unknownRequest(type:)` instead.)
    case unknownResponseType(UInt8)
    /// The message ended this many bytes before the datagram did.
    case trailingBytes(Int)
    /// A field holds a value the format does not allow (named in the text): reserved flag
    /// bits, an address family other than 4 or 6, port 0, an unknown status, an empty key...
    case invalidField(String)
    /// A length or count above its limit (the value read), or a datagram above
    /// `WireFormat.maximumDatagramBytes` (its size).
    case tooLarge(Int)
    /// The receiver has a cluster key, and the datagram carries no tag (flags bit 2 clear).
    case missingTag
    /// The datagram's cluster-key tag is not the one the receiver's key gives: another key,
    /// or bytes changed on the way.
    case badTag
    /// The tag is right, but the timestamp is outside the replay window: it is this many
    /// milliseconds ahead of the receiver's clock (negative: behind).
    case staleTimestamp(skewMilliseconds: Int64)
    /// The datagram carries a cluster-key tag (flags bit 2), and the receiver has no key to
    /// check it with.
    case unexpectedTag

    /// Whether the datagram was refused by the cluster-key check (missing, wrong or
    /// unexpected tag, or a timestamp outside the replay window) rather than being malformed.
    public var isAuthenticationFailure: Bool {
        switch self {
        case .missingTag, .badTag, .staleTimestamp, .unexpectedTag: return true
        default: return false
        }
    }

    /// A one-line explanation.
    public var description: String {
        switch self {
        case .truncated(let expected, let got): return "truncated datagram: needed \(expected) bytes, got \(got)"
        case .badMagic: return "bad magic (not a Chord datagram)"
        case .unsupportedVersion(let version): return "unsupported protocol version \(version)"
        case .unknownResponseType(let type): return "unknown response type 0x\(String(type, radix: 16))"
        case .trailingBytes(let count): return "\(count) trailing bytes after the message"
        case .invalidField(let field): return "invalid field: \(field)"
        case .tooLarge(let value): return "length or count \(value) beyond its limit"
        case .missingTag: return "no cluster-key tag (this receiver requires one)"
        case .badTag: return "the cluster-key tag does not match this receiver's key"
        case .staleTimestamp(let skew):
            return "timestamp \(skew) ms off this receiver's clock, outside the replay window"
        case .unexpectedTag: return "a cluster-key tag, but this receiver has no cluster key"
        }
    }
}

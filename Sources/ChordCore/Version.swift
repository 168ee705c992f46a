/// The version of a stored value: orders writes across nodes.
///
/// `timestamp` is a hybrid logical clock reading (milliseconds of wall-clock time in the high
/// 48 bits, a logical counter in the low 16), taken by the key's owner when it accepts the
/// write; `writer` (the low 64 bits of the owner's identifier) breaks ties. A higher version
/// always wins, so a stale replica, a late retransmission or a node coming back with old data
/// can never overwrite a newer value.
public struct Version: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Hybrid logical clock reading.
    public let timestamp: UInt64
    /// Tie-break: low 64 bits of the writing owner's identifier.
    public let writer: UInt64

    /// A version.
    public init(timestamp: UInt64, writer: UInt64) {
        self.timestamp = timestamp
        self.writer = writer
    }

    /// Older than every real version.
    public static let zero = Version(timestamp: 0, writer: 0)

    /// Orders the values.
    public static func < (lhs: Version, rhs: Version) -> Bool {
        (lhs.timestamp, lhs.writer) < (rhs.timestamp, rhs.writer)
    }

    /// A readable description.
    public var description: String { "\(timestamp >> 16).\(timestamp & 0xFFFF)@\(String(writer, radix: 16))" }
}

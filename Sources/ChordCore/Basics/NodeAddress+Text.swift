/// Parsing and canonical printing of "HOST:PORT" text.
///
/// HOST is a numeric IPv4 address ("127.0.0.1"), a bracketed IPv6 address ("[::1]"), or
/// "localhost" (read as 127.0.0.1). Printing is canonical (RFC 5952 for IPv6: lower case,
/// the longest run of two or more zero groups shortened to "::"), so every node computes the
/// same identifier for the same endpoint.
extension NodeAddress: CustomStringConvertible {
    /// Why a "HOST:PORT" text was refused.
    public enum ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        /// There is no ":PORT" part.
        case missingPort(String)
        /// The port is not a number in 1...65535.
        case badPort(String)
        /// The host is not an IPv4 literal, a bracketed IPv6 literal or "localhost".
        case badHost(String)

        /// A readable description.
        public var description: String {
            switch self {
            case .missingPort(let text): return "'\(text)' has no port (expected HOST:PORT)"
            case .badPort(let text): return "'\(text)' is not a port in 1...65535"
            case .badHost(let text): return "'\(text)' is not an IPv4 address, [IPv6] address or localhost"
            }
        }
    }

    /// The canonical "HOST:PORT" text: the text a node advertises and hashes into its ID.
    public var description: String {
        switch family {
        case .ipv4: return "\(hostText):\(port)"
        case .ipv6: return "[\(hostText)]:\(port)"
        }
    }

    /// The canonical host part without brackets.
    public var hostText: String {
        switch family {
        case .ipv4:
            return addressBytes.map { String($0) }.joined(separator: ".")
        case .ipv6:
            let bytes = addressBytes
            let groups = (0..<8).map { UInt16(bytes[2 * $0]) << 8 | UInt16(bytes[2 * $0 + 1]) }
            // Longest run of zero groups (length >= 2), leftmost on ties.
            var bestStart = -1, bestLength = 0, index = 0
            while index < 8 {
                if groups[index] == 0 {
                    var end = index
                    while end < 8 && groups[end] == 0 { end += 1 }
                    if end - index > bestLength { bestStart = index; bestLength = end - index }
                    index = end
                } else {
                    index += 1
                }
            }
            let hex = groups.map { String($0, radix: 16) }
            if bestLength < 2 { return hex.joined(separator: ":") }
            let head = hex[0..<bestStart].joined(separator: ":")
            let tail = hex[(bestStart + bestLength)...].joined(separator: ":")
            return head + "::" + tail
        }
    }

    /// Parses "HOST:PORT" text; see the type's documentation for what HOST may be.
    public init(parsing text: String) throws(ParseError) {
        let hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw .badHost(text) }
            hostPart = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw .missingPort(text) }
            portPart = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw .missingPort(text) }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
            if hostPart.contains(":") { throw .badHost(text) }  // IPv6 needs brackets
        }
        guard !portPart.isEmpty, portPart.allSatisfy({ $0.isASCII && $0.isNumber }), portPart.count <= 5,
              let port = Int(portPart), (1...65535).contains(port) else {
            throw .badPort(String(portPart))
        }
        if text.hasPrefix("[") {
            guard let (high, low) = NodeAddress.parseIPv6(hostPart) else { throw .badHost(String(hostPart)) }
            self.init(ipv6High: high, ipv6Low: low, port: UInt16(port))
        } else if hostPart == "localhost" {
            self.init(ipv4: 0x7F00_0001, port: UInt16(port))
        } else {
            guard let address = NodeAddress.parseIPv4(hostPart) else { throw .badHost(String(hostPart)) }
            self.init(ipv4: address, port: UInt16(port))
        }
    }

    /// Parses a dotted-quad IPv4 address ("10.0.0.1"); nil when malformed.
    public static func parseIPv4(_ text: Substring) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            // Decimal digits only, no leading zeros (as inet_pton): "01" is refused.
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                  part.count == 1 || part.first != "0", let octet = UInt32(part), octet <= 255 else { return nil }
            value = value << 8 | octet
        }
        return value
    }

    /// Parses an IPv6 address without brackets ("::1", "fe80::1:2", "::ffff:1.2.3.4");
    /// nil when malformed.
    public static func parseIPv6(_ text: Substring) -> (UInt64, UInt64)? {
        var groups: [UInt16] = []
        var tailGroups: [UInt16] = []
        var sawDoubleColon = false
        let halves = text.split(separator: "::", omittingEmptySubsequences: false)
        guard halves.count <= 2, !text.isEmpty else { return nil }
        func parseGroups(_ part: Substring, allowIPv4Tail: Bool) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            let fields = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, field) in fields.enumerated() {
                if allowIPv4Tail, index == fields.count - 1, field.contains(".") {
                    guard let v4 = parseIPv4(field) else { return nil }
                    result.append(UInt16(v4 >> 16))
                    result.append(UInt16(v4 & 0xFFFF))
                } else {
                    // Hex digits only: UInt16(_:radix:) alone would also take a sign ("+1", "-0").
                    guard (1...4).contains(field.count), field.allSatisfy({ $0.isASCII && $0.isHexDigit }),
                          let group = UInt16(field, radix: 16) else { return nil }
                    result.append(group)
                }
            }
            return result
        }
        if halves.count == 2 {
            sawDoubleColon = true
            guard let head = parseGroups(halves[0], allowIPv4Tail: false),
                  let tail = parseGroups(halves[1], allowIPv4Tail: true) else { return nil }
            groups = head
            tailGroups = tail
        } else {
            guard let all = parseGroups(text, allowIPv4Tail: true) else { return nil }
            groups = all
        }
        if sawDoubleColon {
            guard groups.count + tailGroups.count <= 7 else { return nil }
            groups += [UInt16](repeating: 0, count: 8 - groups.count - tailGroups.count) + tailGroups
        }
        guard groups.count == 8 else { return nil }
        let high = groups[0..<4].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        let low = groups[4..<8].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        return (high, low)
    }
}

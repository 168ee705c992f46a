import ChordCore

/// A host name the resolver could not turn into addresses.
public struct ResolveError: Error, Sendable, CustomStringConvertible {
    /// The name asked for.
    public let host: String
    /// The resolver's message ("Name or service not known", ...).
    public let message: String

    /// "cannot resolve 'nohost': Name or service not known".
    public var description: String { "cannot resolve '\(host)': \(message)" }
}

/// "HOST:PORT" where HOST may be a name: an address literal is taken as it is (no lookup),
/// a name goes to the system's resolver (/etc/hosts, DNS), which may give several addresses.
public enum HostNames {
    /// The endpoints `text` stands for, in the resolver's order. Throws `NodeAddress.ParseError`
    /// for a malformed text, `ResolveError` when the name does not resolve.
    public static func resolve(_ text: String) throws -> [NodeAddress] {
        if let literal = try? NodeAddress(parsing: text) { return [literal] }
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]), port != 0,
              !text[..<colon].isEmpty, !text[..<colon].contains(":") else {
            _ = try NodeAddress(parsing: text)  // throws the parser's own message
            return []
        }
        let addresses = try Syscalls.resolve(host: String(text[..<colon]), port: port).get()
        guard !addresses.isEmpty else { throw ResolveError(host: String(text[..<colon]), message: "no IPv4 or IPv6 address") }
        return addresses
    }
}

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
        let parseError: NodeAddress.ParseError
        do {
            return [try NodeAddress(parsing: text)]
        } catch {
            parseError = error
        }
        // Not a literal: a name, if the text is NAME:PORT with a plain name and a real port.
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]), port != 0,
              case let host = String(text[..<colon]), !host.isEmpty, !host.contains(":") else { throw parseError }
        let addresses = try Syscalls.resolve(host: host, port: port).get()
        guard !addresses.isEmpty else { throw ResolveError(host: host, message: "no IPv4 or IPv6 address") }
        return addresses
    }
}

import ChordCore

/// The members a node joins through, as the user gave them: address literals and host names.
/// A runner resolves the names again before each join attempt (`NodeRunner`), so that a name
/// whose addresses change while the node waits (a member restarted elsewhere, DNS updated) is
/// followed; every address a name gives is tried in turn.
public struct JoinTargets: Sendable, CustomStringConvertible {
    /// "HOST:PORT" texts, in the order given.
    public let texts: [String]
    /// Only addresses of this family are used (nil: both, for a dual-stack socket).
    public let family: NodeAddress.Family?
    /// Turns one text into addresses (`HostNames.resolve`; tests pass their own).
    private let resolver: @Sendable (String) throws -> [NodeAddress]

    /// Targets `texts`, resolved by `resolver`, keeping addresses of `family` (nil: all).
    public init(_ texts: [String], family: NodeAddress.Family?,
                resolver: @escaping @Sendable (String) throws -> [NodeAddress] = { try HostNames.resolve($0) }) {
        self.texts = texts
        self.family = family
        self.resolver = resolver
    }

    /// Whether any text is a host name (address literals never change).
    public var hasNames: Bool {
        texts.contains { (try? NodeAddress(parsing: $0)) == nil }
    }

    /// The addresses the texts give now, in order, without repeats; and a message for each
    /// text that gave none (it does not resolve, or only to the other family).
    public func resolve() -> (addresses: [NodeAddress], failures: [String]) {
        var addresses: [NodeAddress] = []
        var failures: [String] = []
        for text in texts {
            do {
                let found = try resolver(text).filter { family == nil || $0.family == family }
                if found.isEmpty { failures.append("\(text): no address of this node's family") }
                for address in found where !addresses.contains(address) { addresses.append(address) }
            } catch {
                failures.append("\(text): \(error)")
            }
        }
        return (addresses, failures)
    }

    /// "seed.example:4000, 10.0.0.7:4000".
    public var description: String { texts.joined(separator: ", ") }
}

/// A ring member as others know it: its identifier and the address it advertises.
public struct Peer: Hashable, Sendable, CustomStringConvertible {
    /// SHA-1 of the advertised "HOST:PORT" text.
    public let id: Identifier
    /// Where to send it datagrams.
    public let address: NodeAddress

    /// A peer with a known identifier and address.
    public init(id: Identifier, address: NodeAddress) {
        self.id = id
        self.address = address
    }

    /// A peer whose identifier is computed from its address, as the node itself does.
    public init(address: NodeAddress) {
        self.init(id: .forNode(advertising: address.description), address: address)
    }

    /// A readable description.
    public var description: String { "\(id.shortHex())@\(address)" }
}

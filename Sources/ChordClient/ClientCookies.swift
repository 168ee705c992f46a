import ChordCore

/// The cookies nodes gave this client, by node address (bounded: the address first learned
/// goes when full). A cookie is learned only from an answer to one of this client's requests.
struct ClientCookies {
    private var cookies = BoundedDictionary<NodeAddress, UInt64>(capacity: 1024)

    /// The cookie `address` gave this client, if remembered.
    func cookie(of address: NodeAddress) -> UInt64? {
        cookies[address]
    }

    /// Remembers the cookie `address` gave.
    mutating func learn(_ cookie: UInt64, from address: NodeAddress) {
        cookies.set(cookie, for: address)
    }
}

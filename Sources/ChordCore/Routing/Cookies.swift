/// Return-routability cookies, as DNS cookies (RFC 7873, RFC 9018): what lets a node tell a
/// peer that receives its datagrams from a sender that only forges that peer's address.
///
/// A node gives each address it answers the cookie SipHash-2-4(secret, address), in the
/// answer's header; the answer goes to that address, so only whoever receives there learns it.
/// Every later request from that address must carry it (member messages) or may carry it
/// (client requests, to lift the 3x answer limit). Checking needs no table: the cookie is
/// recomputed. The cookies this node has been given by others are kept in a bounded table.
struct CookieJar {
    private let function: SipHash24
    /// Cookies peers gave this node, by the address that gave them.
    private var learned: BoundedDictionary<NodeAddress, UInt64>

    /// A jar whose cookies are keyed by `secret` (drawn from the node's generator).
    init(secret: (UInt64, UInt64), capacity: Int = 1024) {
        function = SipHash24(k0: secret.0, k1: secret.1)
        learned = BoundedDictionary(capacity: capacity)
    }

    /// The cookie this node gives `address`.
    func cookie(for address: NodeAddress) -> UInt64 {
        var words = (address.highBits, address.lowBits, UInt64(address.port) << 8 | UInt64(address.family.rawValue))
        return withUnsafeBytes(of: &words) { function.hash($0) }
    }

    /// Whether `cookie`, arriving from `address`, is the one this node gave it.
    func isValid(_ cookie: UInt64?, from address: NodeAddress) -> Bool {
        guard let cookie else { return false }
        return cookie == self.cookie(for: address)
    }

    /// The cookie `address` gave this node, if it is remembered.
    func learnedCookie(of address: NodeAddress) -> UInt64? {
        learned[address]
    }

    /// Remembers the cookie `address` gave this node (it came in an answer to our request).
    mutating func learn(_ cookie: UInt64, from address: NodeAddress) {
        learned.set(cookie, for: address)
    }

    /// Forgets the cookie `address` gave (it no longer accepts it: it restarted).
    mutating func forget(_ address: NodeAddress) {
        learned.removeValue(forKey: address)
    }
}

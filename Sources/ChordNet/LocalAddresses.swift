import ChordCore

/// The addresses of this host's network interfaces, to check an advertised address against.
public enum LocalAddresses {
    /// Every IPv4 and IPv6 address of this host's interfaces (port 0).
    public static func all() throws(SystemError) -> [NodeAddress] {
        try Syscalls.interfaceAddresses().get()
    }

    /// Whether `address` (any port) is assigned to one of this host's interfaces: nil when the
    /// interfaces cannot be listed.
    public static func contains(_ address: NodeAddress) -> Bool? {
        guard let all = try? all() else { return nil }
        return all.contains(address.with(port: 0))
    }
}

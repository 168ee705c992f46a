/// Linux network namespaces, for the multi-host test bed (`NetworkBed` in ClusterSupport): a
/// client made inside a namespace has its socket there, so it reaches what that namespace's
/// hosts reach (and, while the namespace is cut off, nothing else).
package enum NetworkNamespace {
    /// Runs `body` on the calling thread inside the network namespace named by the file at
    /// `path` (for `ip netns add NAME`, `/run/netns/NAME`) and moves the thread back before
    /// returning, also when `body` throws. `body` must not suspend: the namespace belongs to
    /// the thread. Throws when the namespace cannot be entered (not root, no such namespace).
    package static func run<T>(inNamespaceAt path: String, _ body: () throws -> T) throws -> T {
        // The thread's own namespace, held open so it can go back whatever else changes.
        let home = try Syscalls.openForReading("/proc/thread-self/ns/net").get()
        defer { Syscalls.close(home) }
        let target = try Syscalls.openForReading(path).get()
        defer { Syscalls.close(target) }
        try Syscalls.enterNetworkNamespace(target).get()
        defer {
            // Going back through a descriptor of the namespace it came from cannot fail for a
            // process allowed to leave it; a thread left in the other namespace must not go
            // unnoticed.
            if case .failure(let error) = Syscalls.enterNetworkNamespace(home) {
                fatalError("cannot return to the original network namespace: \(error)")
            }
        }
        return try body()
    }

    /// Whether this process runs as the superuser (namespaces and links need it).
    package static var isSuperuser: Bool { Syscalls.isSuperuser() }

    /// Whether process `pid` exists.
    package static func processExists(_ pid: Int32) -> Bool { Syscalls.processExists(pid) }
}

/// Starts a closure on a new detached POSIX thread: for loops that block in `poll` and so do
/// not belong on the cooperative pool (the client's receive loop, the signal watcher).
package enum DetachedThread {
    /// Starts the thread; throws when the system refuses one.
    package static func start(_ body: @escaping @Sendable () -> Void) throws(SystemError) {
        try Syscalls.startDetachedThread(body).get()
    }
}

/// A signal one process sends another (tools stopping the nodes they started, by PID).
package enum ProcessSignal: Sendable {
    /// SIGTERM: a chord-node leaves the ring gracefully and exits.
    case terminate
    /// SIGKILL: the process ends at once (a crash).
    case kill

    /// Sends the signal to process `pid`; fails when there is no such process (or it may
    /// not be signalled).
    @discardableResult
    package func send(to pid: Int32) -> Result<Void, SystemError> {
        Syscalls.send(self, to: pid)
    }
}

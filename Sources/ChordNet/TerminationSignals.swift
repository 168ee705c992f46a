/// SIGTERM and SIGINT: the process's one signal facility, for the node's runner and for the
/// tools that start nodes.
///
/// The handler only writes the signal's number, as one byte, to a wake pipe
/// (async-signal-safe); whoever waits on that pipe acts on it: the runner's loop (a graceful
/// leave) or, for `exitOnFirstSignal`, a thread of its own (cleanup, then exit). One pipe per
/// process at a time: forwarding to another replaces it.
package enum TerminationSignals {
    /// Forwards SIGTERM and SIGINT to `pipe` (see `Syscalls.forwardTerminationSignals`); the
    /// caller must stop forwarding before the pipe is released. Ignores SIGPIPE as well when
    /// `ignoringBrokenPipes` (a node whose standard output was closed goes on serving).
    static func forward(to pipe: WakePipe, ignoringBrokenPipes: Bool) -> Result<Void, SystemError> {
        Syscalls.forwardTerminationSignals(to: pipe.writeDescriptor, ignoringBrokenPipes: ignoringBrokenPipes)
    }

    /// Restores the default action of SIGTERM and SIGINT (the process ends on them).
    static func stopForwarding() {
        Syscalls.stopForwardingTerminationSignals()
    }

    /// On the first SIGINT or SIGTERM, runs `cleanup` once on a thread of its own, then exits
    /// the process with `exitStatus`. Later signals are swallowed while `cleanup` runs.
    package static func exitOnFirstSignal(exitStatus: Int32, _ cleanup: @escaping @Sendable () -> Void)
        throws(SystemError) {
        let pipe = try WakePipe()
        try forward(to: pipe, ignoringBrokenPipes: false).get()
        do {
            try DetachedThread.start {
                // The pipe lives as long as this thread, which ends with the process.
                while pipe.drain().isEmpty {
                    do {
                        _ = try pipe.waitUntilPosted()
                    } catch {
                        Syscalls.sleep(nanoseconds: 100_000_000)  // cannot wait: look again shortly, do not spin
                    }
                }
                cleanup()
                CurrentProcess.exit(exitStatus)
            }
        } catch {
            stopForwarding()
            throw error
        }
    }
}

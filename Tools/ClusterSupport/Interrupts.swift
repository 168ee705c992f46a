import ChordNet

/// SIGINT and SIGTERM for the tools that start nodes (chord-ring, chord-bench, chord-churn),
/// through ChordNet's one signal facility (`TerminationSignals`, which the node's runner uses
/// too): the handler only writes a byte to a pipe (async-signal-safe); a thread of its own
/// waits on it, runs the cleanup (stop every node by PID) and exits. The nodes do not see the
/// tool's Ctrl-C themselves (Foundation starts each child in its own process group), and
/// caught signals are reset to their default in the processes the tool starts.
public enum Interrupts {
    /// Installs the handlers; `cleanup` runs once, on the first SIGINT or SIGTERM, then the
    /// process exits with `exitStatus`. If the system refuses (no pipe or thread), the
    /// signals keep their default action.
    public static func onInterrupt(exitStatus: Int32 = 130, _ cleanup: @escaping @Sendable () -> Void) {
        try? TerminationSignals.exitOnFirstSignal(exitStatus: exitStatus, cleanup)
    }
}

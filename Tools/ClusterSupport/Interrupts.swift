import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The pipe's write end, for the signal handler (set once, before the handler is installed).
nonisolated(unsafe) private var interruptPipeWriteEnd: Int32 = -1

/// SIGINT and SIGTERM for the tools that start nodes (chord-ring, chord-bench, chord-churn):
/// the handler only writes a byte to a pipe (async-signal-safe); a thread of its own reads it,
/// runs the cleanup (stop every node by PID) and exits. The nodes do not see the tool's
/// Ctrl-C themselves (Foundation starts each child in its own process group), and caught
/// signals are reset to their default in the processes the tool starts.
public enum Interrupts {
    /// Installs the handlers; `cleanup` runs once, on the first SIGINT or SIGTERM, then the
    /// process exits with `exitStatus`.
    public static func onInterrupt(exitStatus: Int32 = 130, _ cleanup: @escaping @Sendable () -> Void) {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return }
        interruptPipeWriteEnd = ends[1]
        let readEnd = ends[0]
        let thread = Thread {
            var byte: UInt8 = 0
            while read(readEnd, &byte, 1) < 0 && errno == EINTR {}
            cleanup()
            exit(exitStatus)
        }
        thread.start()
        for number in [SIGINT, SIGTERM] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { _ in
                var byte: UInt8 = 1
                _ = write(interruptPipeWriteEnd, &byte, 1)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(number, &action, nil)
        }
    }
}

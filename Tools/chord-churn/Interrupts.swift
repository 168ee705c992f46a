import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The pipe's write end, for the signal handler (set once, before the handler is installed).
nonisolated(unsafe) private var interruptPipeWriteEnd: Int32 = -1

/// SIGINT and SIGTERM for the harness: the handler only writes a byte to a pipe (which is
/// async-signal-safe); a thread of its own reads it, runs the cleanup and exits 130. Caught
/// signals are reset to their default in the node processes the harness starts.
enum Interrupts {
    /// Installs the handlers; `cleanup` runs once, on the first SIGINT or SIGTERM.
    static func onInterrupt(_ cleanup: @escaping @Sendable () -> Void) {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return }
        interruptPipeWriteEnd = ends[1]
        let readEnd = ends[0]
        let thread = Thread {
            var byte: UInt8 = 0
            while read(readEnd, &byte, 1) < 0 && errno == EINTR {}
            cleanup()
            exit(130)
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

/// The running process: how it ends, and its buffered output.
package enum CurrentProcess {
    /// Ends the process with `status`, flushing buffered output (`print`) first.
    package static func exit(_ status: Int32) -> Never {
        Syscalls.exit(status)
    }

    /// This process's id.
    package static var id: Int32 { Syscalls.processID() }

    /// Blocks the calling thread for good (the process ends from another thread or a signal).
    package static func waitForever() -> Never {
        Syscalls.waitForever()
    }

    /// Writes out what `print` has buffered, so that it shows at once even into a pipe.
    package static func flushBufferedOutput() {
        Syscalls.flushBufferedOutput()
    }
}

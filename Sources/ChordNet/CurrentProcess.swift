/// The running process: how it ends, and its buffered output.
package enum CurrentProcess {
    /// Ends the process with `status`, flushing buffered output (`print`) first.
    package static func exit(_ status: Int32) -> Never {
        Syscalls.exit(status)
    }

    /// Writes out what `print` has buffered, so that it shows at once even into a pipe.
    package static func flushBufferedOutput() {
        Syscalls.flushBufferedOutput()
    }
}

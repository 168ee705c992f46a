/// An open file descriptor the process did not open itself (its standard streams, a pipe
/// another library opened): reads, writes and waits, through the one door to the C library.
/// Closing is the opener's business.
package struct FileDescriptor: Sendable, Hashable {
    /// The kernel's number for it.
    package let rawValue: Int32

    /// The descriptor numbered `rawValue`.
    package init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    /// Standard input (0).
    package static let standardInput = FileDescriptor(rawValue: 0)
    /// Standard output (1).
    package static let standardOutput = FileDescriptor(rawValue: 1)
    /// Standard error (2).
    package static let standardError = FileDescriptor(rawValue: 2)

    /// Writes all of `bytes`, retrying short and interrupted writes; false when it failed
    /// (a closed pipe, a full non-blocking one).
    @discardableResult
    package func writeAll(_ bytes: UnsafeRawBufferPointer) -> Bool {
        Syscalls.writeAll(rawValue, bytes)
    }

    /// Reads at most `buffer.count` bytes: the count read, 0 at end of file.
    package func read(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int {
        try Syscalls.read(rawValue, into: buffer).get()
    }

    /// Waits until the descriptor is readable (or at its end) or `timeoutMilliseconds` pass
    /// (-1: no limit); whether it is (false after a timeout or an interrupted wait).
    package func waitUntilReadable(timeoutMilliseconds: Int32) throws(SystemError) -> Bool {
        try Syscalls.waitReadable(rawValue, timeoutMilliseconds: timeoutMilliseconds).get()
    }

    /// Whether the descriptor is a terminal.
    package var isTerminal: Bool {
        Syscalls.isTerminal(rawValue)
    }
}

/// A failed system call: which call, and the `errno` it left.
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The call that failed, e.g. "bind" or "setsockopt(SO_RCVBUF)".
    public let call: String
    /// The `errno` value it reported.
    public let errno: Int32

    /// A failure of `call` with `errno`.
    public init(call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    /// "bind: Address already in use (errno 98)".
    public var description: String {
        "\(call): \(Syscalls.errorText(errno)) (errno \(errno))"
    }
}

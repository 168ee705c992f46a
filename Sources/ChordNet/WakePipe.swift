/// A non-blocking pipe that wakes a waiting runner: other threads and the signal handler
/// write one byte to it, the runner waits on its read end (together with its socket, see
/// `DatagramSocket.waitUntilReadable(orWoken:timeoutMilliseconds:)`). Closed when released.
public final class WakePipe: Sendable {
    /// The end the runner waits on.
    let readDescriptor: Int32
    /// The end writers write to.
    let writeDescriptor: Int32

    /// Opens the pipe.
    init() throws(SystemError) {
        (readDescriptor, writeDescriptor) = try Syscalls.makePipe().get()
    }

    deinit {
        Syscalls.close(readDescriptor)
        Syscalls.close(writeDescriptor)
    }

    /// Whether a byte is waiting, without waiting: for sockets that cannot wait on the pipe
    /// together with their own traffic (test doubles).
    public var isPosted: Bool {
        (try? Syscalls.waitReadable(readDescriptor, timeoutMilliseconds: 0).get()) ?? false
    }

    /// Writes `byte`; safe from any thread. A full pipe drops it (the runner is awake anyway).
    func post(_ byte: UInt8) {
        var byte = byte
        withUnsafeBytes(of: &byte) { _ = Syscalls.writeAll(writeDescriptor, $0) }
    }

    /// Waits, without a time limit, until a byte is waiting (false after an interrupted wait).
    func waitUntilPosted() throws(SystemError) -> Bool {
        try Syscalls.waitReadable(readDescriptor, timeoutMilliseconds: -1).get()
    }

    /// Reads every waiting byte.
    func drain() -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64)
        while true {
            let count = buffer.withUnsafeMutableBytes { (try? Syscalls.read(readDescriptor, into: $0).get()) ?? 0 }
            if count == 0 { return result }
            result += buffer[0..<count]
        }
    }
}

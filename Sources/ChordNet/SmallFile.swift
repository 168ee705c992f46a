/// Reading a small file whole (a key file), through the one door to the C library.
public enum SmallFile {
    /// The bytes of the file at `path`, at most `maximumBytes + 1` of them: a result longer
    /// than `maximumBytes` means the file is larger (the caller refuses it). Throws when the
    /// file cannot be opened or read (missing, unreadable, a directory).
    public static func read(atPath path: String, maximumBytes: Int) throws(SystemError) -> [UInt8] {
        let descriptor = try Syscalls.openForReading(path).get()
        defer { Syscalls.close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: max(0, maximumBytes) + 1)
        var count = 0
        while count < bytes.count {
            let read = try bytes.withUnsafeMutableBytes { raw in
                Syscalls.read(descriptor, into: UnsafeMutableRawBufferPointer(rebasing: raw[count...]))
            }.get()
            if read == 0 { break }
            count += read
        }
        bytes.removeLast(bytes.count - count)
        return bytes
    }
}

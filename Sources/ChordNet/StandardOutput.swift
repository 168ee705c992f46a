/// Unbuffered writes to standard output and standard error: what is written is visible at
/// once (no flush needed, unlike `print` into a pipe).
public enum StandardOutput {
    /// Writes `text` as is (add the newline yourself) to standard output, or standard error
    /// when `toError`.
    public static func write(_ text: String, toError: Bool = false) {
        var text = text
        text.withUTF8 { bytes in
            _ = (toError ? FileDescriptor.standardError : .standardOutput).writeAll(UnsafeRawBufferPointer(bytes))
        }
    }
}

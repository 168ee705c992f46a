import ChordNet

/// Unbuffered standard output and input, for tools that write raw bytes (a stored value)
/// as well as text: everything goes through `write(2)`, so nothing is reordered.
extension StandardStreams {
    /// Writes `bytes` to standard output; false when it failed (a closed pipe).
    @discardableResult
    public static func writeOutput(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { FileDescriptor.standardOutput.writeAll($0) }
    }

    /// Writes `text` and a newline to standard output.
    @discardableResult
    public static func printOutput(_ text: String) -> Bool {
        writeOutput(Array((text + "\n").utf8))
    }

    /// Reads standard input to its end, or until more than `limit` bytes were read (then
    /// the result has `limit + 1` bytes, so the caller can tell). Nil when reading failed.
    public static func readInput(limit: Int) -> [UInt8]? {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while result.count <= limit {
            let count: Int
            do {
                count = try chunk.withUnsafeMutableBytes { buffer in
                    Result { () throws(SystemError) in try FileDescriptor.standardInput.read(into: buffer) }
                }.get()
            } catch {
                return nil
            }
            if count == 0 { break }
            result += chunk[0..<count]
        }
        return result.count > limit ? Array(result.prefix(limit + 1)) : result
    }

    /// Whether standard input is a terminal (an interactive prompt is shown only then).
    public static var inputIsTerminal: Bool { FileDescriptor.standardInput.isTerminal }
}

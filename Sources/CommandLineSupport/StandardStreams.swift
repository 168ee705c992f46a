#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writing to standard error and exiting, without Foundation.
public enum StandardStreams {
    /// Writes `text` and a newline to standard error.
    public static func printError(_ text: String) {
        var line = text
        line.append("\n")
        line.utf8CString.withUnsafeBufferPointer { buffer in
            var offset = 0
            let length = buffer.count - 1
            while offset < length {
                let written = write(2, buffer.baseAddress! + offset, length - offset)
                if written <= 0 { break }
                offset += written
            }
        }
    }

    /// Prints `message` and the usage text to standard error and exits with status 2.
    public static func exitWithUsageError(_ message: String, usage: Usage, program: String) -> Never {
        printError("\(program): \(message)\n")
        printError(usage.text)
        exit(2)
    }
}

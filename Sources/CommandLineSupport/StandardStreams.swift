import ChordNet

/// Writing to standard error and exiting, without Foundation (through ChordNet's one door to
/// the C library).
public enum StandardStreams {
    /// Writes `text` and a newline to standard error.
    public static func printError(_ text: String) {
        StandardOutput.write(text + "\n", toError: true)
    }

    /// Prints `message` and the usage text to standard error and exits with status 2.
    public static func exitWithUsageError(_ message: String, usage: Usage, program: String) -> Never {
        printError("\(program): \(message)\n")
        printError(usage.text)
        CurrentProcess.exit(2)
    }

    /// Writes out what `print` has buffered, so that it shows at once even into a pipe.
    public static func flushBufferedOutput() {
        CurrentProcess.flushBufferedOutput()
    }
}

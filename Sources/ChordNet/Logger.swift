/// One-line log messages on standard error, each with a UTC timestamp and a level.
///
/// Writes are single `write` calls per line, so lines from threads do not interleave.
public struct Logger: Sendable {
    /// How important a message is.
    public enum Level: Int, Sendable, Comparable, CustomStringConvertible {
        /// Detail for debugging (shown with `--verbose`).
        case debug
        /// Normal operation: ring changes, start and stop.
        case info
        /// Something went wrong but the node goes on.
        case warning
        /// The node cannot go on.
        case error

        /// Orders the values.
        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }

        /// A readable description.
        public var description: String {
            switch self {
            case .debug: return "debug"
            case .info: return "info"
            case .warning: return "warn"
            case .error: return "error"
            }
        }
    }

    /// Messages below this level are dropped; nil drops everything.
    public let minimumLevel: Level?

    /// A logger showing messages at `minimumLevel` and above (nil: silent).
    public init(minimumLevel: Level?) {
        self.minimumLevel = minimumLevel
    }

    /// Info and above, or debug and above when `verbose`.
    public init(verbose: Bool) {
        self.init(minimumLevel: verbose ? .debug : .info)
    }

    /// A logger that writes nothing (tests).
    public static let silent = Logger(minimumLevel: nil)

    /// Whether messages at `level` are written.
    public func isEnabled(_ level: Level) -> Bool {
        guard let minimumLevel else { return false }
        return level >= minimumLevel
    }

    /// Writes `message` at `level`; the message is only built when it will be written.
    public func log(_ level: Level, _ message: @autoclosure () -> String) {
        guard isEnabled(level) else { return }
        let stamp = Timestamp.iso8601(unixNanoseconds: WallClock.unixNanoseconds())
        var line = "\(stamp) \(level) \(message())"
        line.append("\n")
        StandardOutput.write(line, toError: true)
    }

    /// A debug message.
    public func debug(_ message: @autoclosure () -> String) { log(.debug, message()) }
    /// An info message.
    public func info(_ message: @autoclosure () -> String) { log(.info, message()) }
    /// A warning.
    public func warning(_ message: @autoclosure () -> String) { log(.warning, message()) }
    /// An error.
    public func error(_ message: @autoclosure () -> String) { log(.error, message()) }
}

/// One option a command accepts: `--name VALUE` or, for a flag, just `--name`.
public struct OptionSpec: Sendable {
    /// The long name without dashes, e.g. "listen".
    public let name: String
    /// What the value is called in the usage text, or nil for a flag.
    public let valueName: String?
    /// One line of help.
    public let help: String

    /// An option that takes a value.
    public static func value(_ name: String, _ valueName: String, _ help: String) -> OptionSpec {
        OptionSpec(name: name, valueName: valueName, help: help)
    }

    /// A flag that takes no value.
    public static func flag(_ name: String, _ help: String) -> OptionSpec {
        OptionSpec(name: name, valueName: nil, help: help)
    }
}

/// Why a command line was refused; printed with the usage text, exit status 2.
public struct UsageError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What was wrong, in one sentence.
    public let message: String

    /// A usage error.
    public init(_ message: String) { self.message = message }

    /// A readable description.
    public var description: String { message }
}

/// A parsed command line: options by name, and the positional arguments in order.
///
/// Accepts `--name value`, `--name=value` and flags; `--` ends options. Unknown options,
/// missing values and repeated options are usage errors. `-h`/`--help` sets `wantsHelp`.
public struct ParsedArguments: Sendable {
    private var values: [String: String] = [:]
    private var flags: Set<String> = []
    /// Arguments that are not options, in order.
    public private(set) var positionals: [String] = []
    /// Whether `--help` or `-h` was given.
    public private(set) var wantsHelp = false

    /// Parses `arguments` (without the program name) against `options`.
    public init(_ arguments: [String], options: [OptionSpec]) throws(UsageError) {
        var index = 0
        var optionsEnded = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if optionsEnded || !argument.hasPrefix("-") || argument == "-" {
                positionals.append(argument)
                continue
            }
            if argument == "--" {
                optionsEnded = true
                continue
            }
            if argument == "-h" || argument == "--help" {
                wantsHelp = true
                continue
            }
            guard argument.hasPrefix("--") else { throw UsageError("unknown option '\(argument)'") }
            var name = String(argument.dropFirst(2))
            var inlineValue: String?
            if let equals = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            guard let spec = options.first(where: { $0.name == name }) else {
                throw UsageError("unknown option '--\(name)'")
            }
            if let valueName = spec.valueName {
                let value: String
                if let inlineValue {
                    value = inlineValue
                } else {
                    guard index < arguments.count else { throw UsageError("--\(name) needs a value (\(valueName))") }
                    value = arguments[index]
                    index += 1
                }
                guard values[name] == nil else { throw UsageError("--\(name) given twice") }
                values[name] = value
            } else {
                guard inlineValue == nil else { throw UsageError("--\(name) takes no value") }
                flags.insert(name)
            }
        }
    }

    /// The raw value of an option, if given.
    public func string(_ name: String) -> String? { values[name] }

    /// Whether a flag was given.
    public func flag(_ name: String) -> Bool { flags.contains(name) }

    /// An integer option within `range`, or `defaultValue` when absent.
    public func int(_ name: String, default defaultValue: Int, in range: ClosedRange<Int> = Int.min...Int.max)
        throws(UsageError) -> Int {
        guard let text = values[name] else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw UsageError("--\(name) must be an integer in \(range.lowerBound)...\(range.upperBound), not '\(text)'")
        }
        return value
    }

    /// A 64-bit unsigned option, or `defaultValue` when absent.
    public func uint64(_ name: String, default defaultValue: UInt64) throws(UsageError) -> UInt64 {
        guard let text = values[name] else { return defaultValue }
        guard let value = UInt64(text) else { throw UsageError("--\(name) must be an unsigned integer, not '\(text)'") }
        return value
    }

    /// A number option within `range`, or `defaultValue` when absent.
    public func double(_ name: String, default defaultValue: Double, in range: ClosedRange<Double> = -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude)
        throws(UsageError) -> Double {
        guard let text = values[name] else { return defaultValue }
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            throw UsageError("--\(name) must be a number in \(range.lowerBound)...\(range.upperBound), not '\(text)'")
        }
        return value
    }
}

/// The usage text of a command: a synopsis, a description and its options.
public struct Usage: Sendable {
    /// E.g. "chord-sim [options] SCENARIO".
    public let synopsis: String
    /// A few lines saying what the command does.
    public let summary: String
    /// The options, in the order to print them.
    public let options: [OptionSpec]

    /// A usage text.
    public init(synopsis: String, summary: String, options: [OptionSpec]) {
        self.synopsis = synopsis
        self.summary = summary
        self.options = options
    }

    /// The formatted text.
    public var text: String {
        var lines = ["usage: \(synopsis)", "", summary, ""]
        if !options.isEmpty {
            lines.append("options:")
            let labels = options.map { "--\($0.name)" + ($0.valueName.map { " \($0)" } ?? "") }
            let width = min((labels.map(\.count).max() ?? 0) + 2, 30)
            for (label, option) in zip(labels, options) {
                let padding = String(repeating: " ", count: max(1, width - label.count))
                lines.append("  \(label)\(padding)\(option.help)")
            }
            lines.append("  -h, --help\(String(repeating: " ", count: max(1, width - 10)))show this help")
        }
        return lines.joined(separator: "\n")
    }
}

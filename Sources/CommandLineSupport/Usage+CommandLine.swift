import ChordNet

/// What a command line asks for: to run with some settings, or to show the help.
public enum CommandLineRequest<Settings> {
    /// Run with these settings.
    case run(Settings)
    /// `--help` or `-h` was given: show the usage text.
    case help
}

extension Usage {
    /// Parses `arguments` (without the program name) against these options and hands them
    /// to `interpret`, which checks them and makes the settings; `.help` for `--help` (before
    /// `interpret` runs). Throws the first usage error, from parsing or from `interpret`.
    public func request<Settings>(_ arguments: [String],
                                  _ interpret: (ParsedArguments) throws(UsageError) -> Settings)
        throws(UsageError) -> CommandLineRequest<Settings> {
        let parsed = try ParsedArguments(arguments, options: options)
        if parsed.wantsHelp { return .help }
        return .run(try interpret(parsed))
    }

    /// The settings this process's command line asks for (see `request`). For `--help` it
    /// prints the usage text to standard output and exits 0; for a usage error it prints
    /// "PROGRAM: message", a blank line and the usage text to standard error and exits 2.
    public func settings<Settings>(program: String, arguments: [String] = Array(CommandLine.arguments.dropFirst()),
                                   _ interpret: (ParsedArguments) throws(UsageError) -> Settings) -> Settings {
        do {
            switch try request(arguments, interpret) {
            case .run(let settings):
                return settings
            case .help:
                print(text)
                CurrentProcess.exit(0)
            }
        } catch {
            StandardStreams.exitWithUsageError(error.message, usage: self, program: program)
        }
    }
}

extension ParsedArguments {
    /// Throws "unexpected argument" when any positional argument was given.
    public func expectNoPositionals() throws(UsageError) {
        if let first = positionals.first { throw UsageError("unexpected argument '\(first)'") }
    }
}

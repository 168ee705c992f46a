import ChordClient
import ChordCore
import CommandLineSupport

/// What a dht command line asks for.
struct Invocation {
    /// A command and its arguments.
    enum Command {
        /// Store a value; `value` nil means read it from stdin.
        case put(key: String, value: [UInt8]?)
        case get(key: String)
        case remove(key: String)
        case info
        case ring
        /// Read commands from stdin.
        case interactive
    }

    var command: Command
    var via: NodeAddress
    var timeout: Duration
    var json: Bool
    /// The ring's cluster key, if it has one.
    var clusterKey: ClusterKeyFile?

    /// Why the command line was refused, with the usage text to show.
    struct Refusal: Error {
        let message: String
        let usage: Usage
    }

    /// Parses `arguments` (without the program name). Returns nil and the usage to print
    /// when help was asked for.
    static func parse(_ arguments: [String]) throws(Refusal) -> Result<Invocation, HelpRequest> {
        let parsed: ParsedArguments
        do {
            parsed = try ParsedArguments(arguments, options: Usages.allOptions)
        } catch {
            throw Refusal(message: error.message, usage: Usages.of(Self.firstWord(arguments)))
        }
        let words = parsed.positionals
        let name = words.first?.lowercased()
        let usage = Usages.of(name)
        if parsed.wantsHelp {
            if let name, usage.synopsis == Usages.general.synopsis {
                throw Refusal(message: "unknown command '\(name)'", usage: usage)
            }
            return .failure(HelpRequest(usage: usage))
        }
        func refuse(_ message: String) -> Refusal { Refusal(message: message, usage: usage) }

        let command: Command
        let arguments = Array(words.dropFirst())
        func expect(_ count: Int, _ names: String) throws(Refusal) {
            guard arguments.count == count else {
                throw refuse("\(name ?? "") takes \(names) (got \(arguments.count) argument\(arguments.count == 1 ? "" : "s"))")
            }
        }
        switch name {
        case nil:
            command = .interactive
        case "put"?, "set"?:
            try expect(2, "KEY VALUE")
            command = .put(key: arguments[0], value: arguments[1] == "-" ? nil : Array(arguments[1].utf8))
        case "get"?:
            try expect(1, "KEY")
            command = .get(key: arguments[0])
        case "remove"?, "delete"?:
            try expect(1, "KEY")
            command = .remove(key: arguments[0])
        case "info"?:
            try expect(0, "no arguments")
            command = .info
        case "ring"?:
            try expect(0, "no arguments")
            command = .ring
        case let other?:
            throw refuse("unknown command '\(other)'")
        }
        let json = parsed.flag("json")
        switch command {
        case .info, .ring: break
        default: if json { throw refuse("--json applies to info and ring only") }
        }
        guard let viaText = parsed.string("via") else { throw refuse("--via HOST:PORT is required") }
        let via: NodeAddress
        do {
            via = try NodeAddress(parsing: viaText)
        } catch {
            throw refuse("--via: \(error)")
        }
        let seconds: Double
        do {
            seconds = try parsed.double("timeout", default: 5, in: 0.001...86_400)
        } catch {
            throw refuse(error.message)
        }
        let clusterKey: ClusterKeyFile?
        do {
            clusterKey = try parsed.clusterKeyFile()
        } catch {
            throw refuse(error.message)
        }
        return .success(Invocation(command: command, via: via, timeout: .nanoseconds(Int64(seconds * 1e9)),
                                   json: json, clusterKey: clusterKey))
    }

    /// The first argument that is not an option (a guess at the command, for usage texts).
    private static func firstWord(_ arguments: [String]) -> String? {
        arguments.first { !$0.hasPrefix("-") }
    }
}

/// `--help` was given: print this usage and exit 0.
struct HelpRequest: Error {
    let usage: Usage
}

import ChordClient
import CommandLineSupport

/// The interactive prompt: one command per line from stdin until EXIT or end of input.
/// Commands are case-insensitive: PUT/SET key value (the rest of the line), GET key,
/// REMOVE/DELETE key, HELP, EXIT/QUIT. Errors are reported and the session goes on.
enum Interactive {
    static let help = "commands: PUT key value | SET key value | GET key | REMOVE key | DELETE key | HELP | EXIT"

    /// Runs the session; returns the exit status (0).
    static func run(_ client: ChordClient) async -> Int32 {
        let prompt = StandardStreams.inputIsTerminal
        if prompt { StandardStreams.printOutput(help) }
        while true {
            if prompt { StandardStreams.writeOutput(Array("dht> ".utf8)) }
            guard let line = readLine(strippingNewline: true) else { break }
            if await !execute(line, client: client) { break }
        }
        return 0
    }

    /// Runs one line; false when the session should end.
    static func execute(_ line: String, client: ChordClient) async -> Bool {
        let trimmed = line.drop { $0 == " " || $0 == "\t" }
        guard !trimmed.isEmpty else { return true }
        let (word, afterWord) = split(trimmed)
        let (key, afterKey) = split(afterWord)
        do throws(ChordClientError) {
            switch word.lowercased() {
            case "exit", "quit":
                return false
            case "help", "?":
                StandardStreams.printOutput(help)
            case "put", "set":
                guard !key.isEmpty, !afterKey.isEmpty else { return usage("\(word.uppercased()) key value") }
                try await client.put(String(key), Array(afterKey.utf8))
                StandardStreams.printOutput("OK")
            case "get":
                guard !key.isEmpty, afterKey.isEmpty else { return usage("GET key") }
                if let value = try await client.get(String(key)) {
                    StandardStreams.printOutput(String(decoding: value, as: UTF8.self))
                } else {
                    StandardStreams.printOutput("(not found)")
                }
            case "remove", "delete":
                guard !key.isEmpty, afterKey.isEmpty else { return usage("\(word.uppercased()) key") }
                StandardStreams.printOutput(try await client.remove(String(key)) ? "OK" : "(not found)")
            default:
                StandardStreams.printError("unknown command '\(word)'; \(help)")
            }
        } catch {
            StandardStreams.printError("error: \(error)")
        }
        return true
    }

    private static func usage(_ text: String) -> Bool {
        StandardStreams.printError("usage: \(text)")
        return true
    }

    /// The first whitespace-separated word, and the rest after the whitespace that follows it.
    private static func split(_ text: Substring) -> (Substring, Substring) {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        let word = text.prefix { !isSpace($0) }
        let rest = text[word.endIndex...].drop(while: isSpace)
        return (word, rest)
    }
}

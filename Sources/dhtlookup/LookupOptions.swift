import ChordCore
import CommandLineSupport

/// dhtlookup's command line.
let usage = Usage(
    synopsis: "dhtlookup --via HOST:PORT [--json] [--timeout SECONDS] [--cluster-key-file PATH] (KEY | --id HEX40)",
    summary: """
    Asks the via node to look up KEY (its identifier is SHA-1 of the key's UTF-8 bytes) or the
    identifier --id, and prints every hop in order with its round-trip time as measured by the
    via node (hops that did not answer are marked, and so is the owner-confirmation hop), then
    the owner and its successors (the key's replicas), the total time and the hop count.
    --json prints one object: {"key","id","hops":[{"id","address","rtt_ms"}],
    "owner":{"id","address"},"replicas":[{"id","address"}],"elapsed_ms"}.
    exit status: 0 success, 2 usage error or invalid key, 3 no answer in time (from the node,
    or the lookup itself timed out), 4 refused (the node is not in a ring, or the lookup failed),
    5 authentication failed (cluster key missing, wrong or unexpected; clocks too far apart).
    """,
    options: [
        .value("via", "HOST:PORT", "the ring member that performs the lookup (required)"),
        .value("id", "HEX40", "look up this identifier (40 hexadecimal digits) instead of a key"),
        .flag("json", "print one JSON object"),
        .value("timeout", "SECONDS", "give up after this long without an answer (default 5)"),
        .clusterKeyFile,
    ])

/// What the command line asks for.
struct LookupSettings {
    var via: NodeAddress
    /// The key, when one was given (not --id).
    var key: String?
    /// The identifier to look up.
    var target: Identifier
    var json: Bool
    var timeout: Duration
    /// The ring's cluster key, if it has one.
    var clusterKey: ClusterKeyFile?

    /// Parses `arguments` (without the program name); nil for --help.
    init?(arguments: [String]) throws(UsageError) {
        let parsed = try ParsedArguments(arguments, options: usage.options)
        if parsed.wantsHelp { return nil }
        guard let viaText = parsed.string("via") else { throw UsageError("--via HOST:PORT is required") }
        do {
            via = try NodeAddress(parsing: viaText)
        } catch {
            throw UsageError("--via: \(error)")
        }
        if let hex = parsed.string("id") {
            guard parsed.positionals.isEmpty else { throw UsageError("give a KEY or --id, not both") }
            guard let id = Identifier(hex: hex) else { throw UsageError("--id must be 40 hexadecimal digits, not '\(hex)'") }
            key = nil
            target = id
        } else {
            guard parsed.positionals.count == 1 else {
                throw UsageError(parsed.positionals.isEmpty ? "a KEY or --id HEX40 is required"
                                                            : "only one KEY may be given")
            }
            key = parsed.positionals[0]
            target = .forKey(parsed.positionals[0])
        }
        json = parsed.flag("json")
        let seconds = try parsed.double("timeout", default: 5, in: 0.001...86_400)
        timeout = .nanoseconds(Int64(seconds * 1e9))
        clusterKey = try parsed.clusterKeyFile()
    }
}

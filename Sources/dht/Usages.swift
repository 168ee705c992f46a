import CommandLineSupport

/// The usage texts of dht and each of its commands.
enum Usages {
    static let via = OptionSpec.value("via", "HOST:PORT", "the ring member to send requests to (required)")
    static let timeout = OptionSpec.value("timeout", "SECONDS", "give up after this long without an answer (default 5)")
    static let json = OptionSpec.flag("json", "print JSON instead of a table")
    static let clusterKeyFile = OptionSpec.clusterKeyFile

    /// Every option dht accepts (commands refuse the ones they do not use).
    static let allOptions = [via, timeout, clusterKeyFile, json]

    static let exitCodes = """
    exit status: 0 success, 1 not found, 2 usage error or rejected key/value, 3 no answer in
    time, 4 refused by the store (out of space, overloaded, internal failure, unavailable),
    5 authentication failed (cluster key missing, wrong or unexpected; clocks too far apart).
    """

    static let general = Usage(
        synopsis: "dht --via HOST:PORT [--timeout SECONDS] [--cluster-key-file PATH] [COMMAND ARGS...]",
        summary: """
        A client of a Chord DHT. Commands:
          put KEY VALUE     store VALUE under KEY (VALUE "-": read the bytes from stdin)
          get KEY           print KEY's value, its raw bytes only
          remove KEY        remove KEY
          info [--json]     describe the via node
          ring [--json]     walk the ring by successors and describe every node
        Without a command: an interactive prompt reading lines from stdin (PUT/SET key value,
        GET key, REMOVE/DELETE key, EXIT). Keys are 1 to 1024 bytes of UTF-8, values at most
        64000 bytes. `dht COMMAND --help` describes a command.
        \(exitCodes)
        """,
        options: [via, timeout, clusterKeyFile])

    static let put = Usage(
        synopsis: "dht --via HOST:PORT put KEY VALUE",
        summary: """
        Stores VALUE (its UTF-8 bytes; "-" reads raw bytes from stdin) under KEY. Prints nothing.
        \(exitCodes)
        """,
        options: [via, timeout, clusterKeyFile])

    static let get = Usage(
        synopsis: "dht --via HOST:PORT get KEY",
        summary: """
        Prints the value stored under KEY: its raw bytes, nothing else (no newline added).
        A key without a value prints nothing and exits 1.
        \(exitCodes)
        """,
        options: [via, timeout, clusterKeyFile])

    static let remove = Usage(
        synopsis: "dht --via HOST:PORT remove KEY",
        summary: """
        Removes KEY. Prints nothing; exits 1 when KEY had no value.
        \(exitCodes)
        """,
        options: [via, timeout, clusterKeyFile])

    static let info = Usage(
        synopsis: "dht --via HOST:PORT info [--json]",
        summary: """
        Describes the via node: identifier, address, predecessor, successor list, fingers and
        key counts (owned, replica, tombstones, bytes).
        \(exitCodes)
        """,
        options: [via, timeout, clusterKeyFile, json])

    static let ring = Usage(
        synopsis: "dht --via HOST:PORT ring [--json]",
        summary: """
        Walks the ring from the via node by first successors until back at the start, and
        lists every node in ring order: identifier, address, predecessor and key counts. A
        predecessor that is not the node listed before is marked with '*'.
        \(exitCodes)
        """,
        options: [via, timeout, clusterKeyFile, json])

    /// The usage of `command`, or the general one.
    static func of(_ command: String?) -> Usage {
        switch command?.lowercased() {
        case "put"?, "set"?: return put
        case "get"?: return get
        case "remove"?, "delete"?: return remove
        case "info"?: return info
        case "ring"?: return ring
        default: return general
        }
    }
}

import ChordCore
import ChordNet
import CommandLineSupport

/// chord-node's command line.
let usage = Usage(
    synopsis: "chord-node --listen HOST:PORT [--advertise HOST:PORT] [--join HOST:PORT] [options]",
    summary: """
    Runs one Chord DHT node on a UDP socket. Without --join it creates a new ring; with --join
    it joins the ring through that member (host names are resolved again before each
    attempt). Prints `node <id> listening on HOST:PORT` once serving. While it cannot join
    it says why on standard error after 5 s, then at growing intervals, and keeps trying
    (until --join-timeout, if given). SIGTERM or SIGINT makes it leave the ring gracefully:
    it hands every key to its successor and exits 0; if it cannot (no successor answers
    within 8 s), or a second signal comes, it exits 1. Logs go to standard error.
    HOST is an IPv4 address, a bracketed IPv6 address or localhost; the node's identifier is
    SHA-1 of the canonical text of the address it advertises: --advertise, or --listen when
    that is a concrete address. Give the address peers reach it by. To bind every address
    (0.0.0.0 or [::]), --advertise is required. --join also takes host names (all their
    addresses of the --listen family are tried). A node on [::] is dual-stack: it serves IPv4
    and IPv6 clients and may advertise either family; the members of one ring must all
    advertise addresses of one family.
    With --data-dir, the node keeps its store in DIR (docs/STORAGE.md): it recovers it on
    start before it answers anything, acknowledges a write only once it is durable under
    --fsync, and compacts its log in the background. Without it the store lives in memory.
    With --cluster-key-file, every datagram is authenticated with the key (HMAC-SHA-256, a
    timestamp within 30 s); datagrams without a valid tag are dropped and counted. Every node
    and client of the ring needs the same file.
    Exit status: 0 left the ring gracefully; 1 the leave could not hand every key over, was
    forced, or a failure stopped the node; 2 usage error; 3 cannot listen on the --listen
    address (in use, not an address of this host, or a privileged port); 4 not joined
    within --join-timeout.
    """,
    options: [
        .value("listen", "HOST:PORT", "address to bind (required; port 0 picks a free one); advertised unless --advertise"),
        .value("advertise", "HOST:PORT", "address peers reach this node by, if not --listen (required with 0.0.0.0 or [::])"),
        .value("join", "HOST:PORT[,...]", "a ring member to join through, address or host name (more, comma-separated, are fallbacks)"),
        .value("join-timeout", "SECONDS", "with --join: exit 4 if not joined after SECONDS (default: keep trying)"),
        .value("max-keys", "N", "refuse new keys beyond N stored keys (default: no limit)"),
        .value("max-bytes", "N", "refuse writes beyond N stored key and value bytes (default: no limit)"),
        .value("replicas", "R", "copies of each key: owner and R-1 successors (default 3)"),
        .value("write-quorum", "W", "replicas that must store a write, W <= R (default 2)"),
        .value("read-quorum", "R'", "replicas a read consults, R' <= R and W + R' > R (default 2)"),
        .value("stabilize", "SECONDS", "stabilize / fix-fingers / check-predecessor period (default 1)"),
        .value("data-dir", "DIR", "keep the store on disk in DIR (one directory per node address)"),
        .value("fsync", "POLICY", "with --data-dir: always (default; group commit), interval:MS or never"),
        .value("reserve-bytes", "N", "with --data-dir: refuse new writes (out of space) while the disk has less than N bytes free (default 64 MiB)"),
        .value("compact-bytes", "N", "with --data-dir: compact once the log since the last snapshot exceeds N bytes (default 64 MiB)"),
        .value("rate-limit", "PER_SECOND", "requests one source address may send per second; 0: no limit (default 100000)"),
        .value("fault-loss", "P", "test facility: drop each datagram sent or received with probability P (0 to 0.9)"),
        .value("fault-delay", "MS[:JITTER]", "test facility: delay each datagram sent by MS ms, +/- JITTER ms"),
        .clusterKeyFile,
        .flag("verbose", "log debug detail too"),
    ])

/// What the command line asks for.
struct NodeSettings {
    /// The address to bind (canonical).
    var listen: NodeAddress
    /// The address to advertise, when not `listen`.
    var advertise: NodeAddress?
    /// The member to join through first, if any (the first address of the first --join target).
    var join: NodeAddress?
    /// The --join targets as given, resolved again before each join attempt.
    var joinTargets: JoinTargets?
    /// Give up joining after this many nanoseconds (nil: never).
    var joinTimeout: Int64?
    /// The node's tunables.
    var config: NodeConfig
    /// Whether to log debug messages.
    var verbose: Bool
    /// The cluster key every datagram is authenticated with, if any.
    var clusterKey: ClusterKeyFile?
    /// Where the store is kept, if on disk, with its sync policy and compaction threshold.
    var dataDirectory: String?
    var syncPolicy = SyncPolicy.always
    var compactionBytes: Int?
    var reserveBytes: Int?
    /// Injected loss and delay (test facility).
    var faults = FaultInjection()
}

extension NodeSettings {
    /// Validates a parsed command line.
    init(_ parsed: ParsedArguments) throws(UsageError) {
        try parsed.expectNoPositionals()
        guard let listenText = parsed.string("listen") else { throw UsageError("--listen HOST:PORT is required") }
        listen = try Self.listenAddress(listenText)
        if let text = parsed.string("advertise") {
            let advertised = try Self.address(text, option: "advertise")
            guard !advertised.isWildcard, advertised.port != 0 else {
                throw UsageError("--advertise must be an address and port peers can reach, not \(advertised)")
            }
            guard advertised.family == listen.family || Self.isDualStack(listen) else {
                throw UsageError("--advertise \(advertised) and --listen \(listen) must be of the same family (IPv4 or IPv6), "
                                 + "unless --listen is [::], which reaches both")
            }
            advertise = advertised
        } else if listen.isWildcard {
            throw UsageError("--listen \(listen) binds every address of this host: give --advertise HOST:PORT, the one peers reach it by")
        }
        var joinAddresses: [NodeAddress] = []
        for text in (parsed.string("join") ?? "").split(separator: ",") {
            joinAddresses += try Self.joinTargets(String(text), family: Self.isDualStack(listen) ? nil : listen.family)
        }
        join = joinAddresses.first
        if let text = parsed.string("join") {
            joinTargets = JoinTargets(text.split(separator: ",").map(String.init),
                                      family: Self.isDualStack(listen) ? nil : listen.family)
        }
        if parsed.string("join-timeout") != nil {
            guard join != nil else { throw UsageError("--join-timeout needs --join") }
            joinTimeout = Nanos.fromSeconds(try parsed.double("join-timeout", default: 0, in: 0.1...31_536_000))
        }
        verbose = parsed.flag("verbose")
        clusterKey = try parsed.clusterKeyFile()
        dataDirectory = parsed.string("data-dir")
        if let text = parsed.string("fsync") {
            guard dataDirectory != nil else { throw UsageError("--fsync needs --data-dir") }
            guard let policy = SyncPolicy(parsing: text) else {
                throw UsageError("--fsync: expected always, interval:MS (1-60000) or never, got '\(text)'")
            }
            syncPolicy = policy
        }
        if parsed.string("compact-bytes") != nil {
            guard dataDirectory != nil else { throw UsageError("--compact-bytes needs --data-dir") }
            compactionBytes = try parsed.int("compact-bytes", default: 64 << 20, in: 1...Int.max)
        }
        if parsed.string("reserve-bytes") != nil {
            guard dataDirectory != nil else { throw UsageError("--reserve-bytes needs --data-dir") }
            reserveBytes = try parsed.int("reserve-bytes", default: 64 << 20, in: 0...Int.max)
        }
        faults.lossRate = try parsed.double("fault-loss", default: 0, in: 0...0.9)
        if let text = parsed.string("fault-delay") {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 2, let delay = Double(parts[0]), (0...60_000).contains(delay),
                  let jitter = parts.count == 2 ? Double(parts[1]) : 0, (0...60_000).contains(jitter) else {
                throw UsageError("--fault-delay: expected MS or MS:JITTER in milliseconds (0-60000), got '\(text)'")
            }
            faults.delay = Nanos.fromSeconds(delay / 1000)
            faults.jitter = Nanos.fromSeconds(jitter / 1000)
        }
        if dataDirectory != nil && listen.port == 0 && advertise == nil {
            throw UsageError("--data-dir needs a fixed --listen port: the directory belongs to one address")
        }

        var config = NodeConfig()
        config.persistent = dataDirectory != nil
        config.fallbackBootstraps = Array(joinAddresses.dropFirst())
        let positive = 1...Int.max
        if parsed.string("max-keys") != nil {
            config.maximumKeys = try parsed.int("max-keys", default: 0, in: positive)
        }
        if parsed.string("max-bytes") != nil {
            config.maximumBytes = try parsed.int("max-bytes", default: 0, in: positive)
        }
        config.requestsPerSourcePerSecond = try parsed.int("rate-limit", default: config.requestsPerSourcePerSecond,
                                                            in: 0...10_000_000)
        config.requestBurstPerSource = max(1, config.requestsPerSourcePerSecond / 5)
        config.replicas = try parsed.int("replicas", default: config.replicas, in: 1...64)
        config.writeQuorum = try parsed.int("write-quorum", default: config.writeQuorum, in: positive)
        config.readQuorum = try parsed.int("read-quorum", default: config.readQuorum, in: positive)
        guard config.writeQuorum <= config.replicas else {
            throw UsageError("--write-quorum (\(config.writeQuorum)) must not exceed --replicas (\(config.replicas))")
        }
        guard config.readQuorum <= config.replicas else {
            throw UsageError("--read-quorum (\(config.readQuorum)) must not exceed --replicas (\(config.replicas))")
        }
        guard config.writeQuorum + config.readQuorum > config.replicas else {
            throw UsageError("--write-quorum + --read-quorum (\(config.writeQuorum) + \(config.readQuorum)) must exceed --replicas (\(config.replicas))")
        }
        let stabilize = Nanos.fromSeconds(try parsed.double("stabilize", default: 1, in: 0.01...3600))
        config.stabilizeInterval = stabilize
        config.fixFingersInterval = stabilize
        config.checkPredecessorInterval = stabilize
        if let problem = config.problem { throw UsageError(problem) }
        self.config = config
    }

    /// Like `address`, but port 0 is allowed: the kernel picks a free port, and the node
    /// advertises (and prints) the one it got.
    private static func listenAddress(_ text: String) throws(UsageError) -> NodeAddress {
        if text.hasSuffix(":0") {
            let probe = try address(String(text.dropLast()) + "1", option: "listen")
            return probe.family == .ipv4
                ? NodeAddress(ipv4: UInt32(truncatingIfNeeded: probe.lowBits), port: 0)
                : NodeAddress(ipv6High: probe.highBits, ipv6Low: probe.lowBits, port: 0)
        }
        return try address(text, option: "listen")
    }

    /// The addresses of a --join target of the socket's family: a literal, or every address
    /// a host name resolves to.
    /// Whether a node listening on `listen` reaches IPv4 and IPv6 peers ([::] is dual-stack).
    private static func isDualStack(_ listen: NodeAddress) -> Bool { listen.family == .ipv6 && listen.isWildcard }

    /// (`family` nil: a dual-stack node reaches every address.)
    private static func joinTargets(_ text: String, family: NodeAddress.Family?) throws(UsageError) -> [NodeAddress] {
        let all: [NodeAddress]
        do {
            all = try HostNames.resolve(text)
        } catch {
            throw UsageError("--join \(text): \(error)")
        }
        guard let family else { return all }
        let usable = all.filter { $0.family == family }
        guard !usable.isEmpty else {
            let other = family == .ipv4 ? "IPv6" : "IPv4"
            throw UsageError("--join \(text) is only reachable over \(other) (\(all.map(\.description).joined(separator: ", "))), "
                             + "but this node listens on \(family == .ipv4 ? "IPv4" : "IPv6"): listen on an \(other) address to join it")
        }
        return usable
    }

    private static func address(_ text: String, option: String) throws(UsageError) -> NodeAddress {
        do {
            return try NodeAddress(parsing: text)
        } catch {
            throw UsageError("--\(option): \(error)")
        }
    }
}

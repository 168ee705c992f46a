import ChordNet
import Foundation
import Synchronization

/// A multi-host test bed on one machine: K Linux network namespaces ("hosts"), each joined by
/// a veth pair to one bridge in this namespace, with an IPv4 and an IPv6 address of a private
/// range used only here (host i of subnet s: 10.211.s.(10+i)/24 and fd00:211:0:s::(10+i)/64;
/// the bridge has .1 and ::1, so this process reaches every host). Nodes start inside a host
/// through `ip netns exec` (same PID: it execs the node), clients are made inside a host with
/// `inHost` (their socket stays there), and `cut`/`heal` take hosts' links down and up: a
/// partition, seen alike by the nodes and by clients on either side.
///
/// Needs root and iproute2's `ip`; `unavailableReason` says why not. Every namespace, link
/// and process it made is removed by `remove()` (also from `deinit`, and from a later bed of
/// the same name when the process that made it died without cleaning up: its PID is kept in
/// `/run/chord-netbed/NAME.pid`).
public final class NetworkBed: Sendable {
    /// One host: a network namespace with one interface (`eth0`) on the bridge.
    public struct Host: Sendable, CustomStringConvertible {
        /// 1-based.
        public let number: Int
        /// The namespace (`ip netns exec NAMESPACE ...`).
        public let namespace: String
        /// Its IPv4 and IPv6 addresses (no brackets).
        public let ipv4: String
        public let ipv6: String
        /// The bridge side of its veth pair, taken down to cut the host off.
        public let link: String

        /// The host's address of `family` with `port`, as chord-node's `--listen` takes it.
        public func address(port: Int, ipv6 useIPv6: Bool = false) -> String {
            useIPv6 ? "[\(ipv6)]:\(port)" : "\(ipv4):\(port)"
        }

        public var description: String { "\(namespace) (\(ipv4), \(ipv6))" }
    }

    /// Why a bed could not be made or changed.
    public struct BedError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// The bed's name: the prefix of its namespaces and links.
    public let name: String
    /// The hosts, host 1 first.
    public let hosts: [Host]
    /// The bridge in this namespace.
    public let bridge: String
    /// The third byte of the IPv4 range (10.211.SUBNET.0/24), the fourth group of the IPv6 one.
    public let subnet: Int
    private let ip: URL
    private let removed = Mutex(false)

    /// Where beds record the PID of the process that made them.
    private static let ownerDirectory = "/run/chord-netbed"

    /// Nil when beds can be made here; otherwise why not, in one line. Found out once per
    /// process (tests ask it from many threads at once).
    public static let unavailableReason: String? = probe()

    private static func probe() -> String? {
        guard NetworkNamespace.isSuperuser else { return "not root (network namespaces and links need root)" }
        guard let ip = ipBinary else { return "iproute2's ip is not installed" }
        // A namespace can be made and removed: some containers forbid it even to root.
        let probe = "chord-probe-\(CurrentProcess.id)"
        do { try run(ip, ["netns", "add", probe]) } catch { return "ip netns add is not allowed here (\(error))" }
        _ = try? run(ip, ["netns", "del", probe])
        return nil
    }

    private static var ipBinary: URL? {
        ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first { FileManager.default.isExecutableFile(atPath: $0) }
            .map { URL(fileURLWithPath: $0) }
    }

    /// Makes `count` hosts named `NAME-h1` ... (links `NAME-br`, `NAME-v1` ...; NAME at most 8
    /// characters, so link names fit Linux's 15). `subnet` picks the address range (nil: the
    /// first free one). A bed of the same name left behind by a process that died is removed
    /// first; one whose process still runs is an error.
    public init(name: String, hosts count: Int, subnet: Int? = nil) throws(BedError) {
        guard !name.isEmpty, name.count <= 8, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw BedError(message: "test bed name '\(name)': 1 to 8 letters or digits")
        }
        guard (1...40).contains(count) else { throw BedError(message: "test bed hosts: 1 to 40, not \(count)") }
        if let subnet, !(0...255).contains(subnet) { throw BedError(message: "test bed subnet: 0 to 255, not \(subnet)") }
        if let reason = Self.unavailableReason { throw BedError(message: "no network test bed: \(reason)") }
        guard let ip = Self.ipBinary else { throw BedError(message: "no network test bed: iproute2's ip is not installed") }
        self.ip = ip
        self.name = name
        self.bridge = "\(name)-br"
        // A dead owner's bed goes first, so its range is free again.
        try Self.claim(name: name, ip: ip)
        let chosen: Int
        if let subnet { chosen = subnet } else { chosen = try Self.freeSubnet(ip: ip) }
        self.subnet = chosen
        hosts = (1...count).map { number in
            Host(number: number, namespace: "\(name)-h\(number)", ipv4: "10.211.\(chosen).\(10 + number)",
                 ipv6: "fd00:211:0:\(chosen)::\(10 + number)", link: "\(name)-v\(number)")
        }
        do {
            try build()
        } catch {
            remove()
            throw error
        }
    }

    deinit {
        remove()
    }

    /// A bed of `count` hosts with a name of this process's (`cbPIDn`, n counting the beds
    /// this process made): for tests, several of which may hold beds at once.
    public static func make(hosts count: Int) throws(BedError) -> NetworkBed {
        let number = madeHere.withLock { state -> Int in
            state.count += 1
            return state.count
        }
        let name = "cb" + String(CurrentProcess.id % 100_000, radix: 36) + "n" + String(number, radix: 36)
        return try NetworkBed(name: name, hosts: count)
    }

    /// The first IPv4 range 10.211.X.0/24 that no interface here uses and this process has
    /// not handed out (a range stays taken for the process's life: simpler than tracking
    /// removals, and 254 are plenty).
    private static func freeSubnet(ip: URL) throws(BedError) -> Int {
        let inUse = (try? run(ip, ["-4", "-o", "addr", "show"])) ?? ""
        return try madeHere.withLock { state throws(BedError) -> Int in
            guard let subnet = (1...254).first(where: { !state.subnets.contains($0) && !inUse.contains(" 10.211.\($0).") }) else {
                throw BedError(message: "no free test bed range in 10.211.1-254.0/24")
            }
            state.subnets.insert(subnet)
            return subnet
        }
    }

    /// Beds made by this process, and the ranges given to them.
    private static let madeHere = Mutex<(count: Int, subnets: Set<Int>)>((0, []))

    // MARK: Building and removing

    /// Records this process as the bed's owner, first removing what a dead owner left.
    private static func claim(name: String, ip: URL) throws(BedError) {
        let file = "\(ownerDirectory)/\(name).pid"
        if let text = try? String(contentsOfFile: file, encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)),
           pid != CurrentProcess.id, NetworkNamespace.processExists(pid) {
            throw BedError(message: "test bed \(name) is in use by process \(pid)")
        }
        sweep(named: name, ip: ip)  // a dead owner's namespaces, links and processes, if any
        do {
            try FileManager.default.createDirectory(atPath: ownerDirectory, withIntermediateDirectories: true)
            try "\(CurrentProcess.id)\n".write(toFile: file, atomically: true, encoding: .utf8)
        } catch {
            throw BedError(message: "cannot record the test bed's owner in \(file): \(error)")
        }
    }

    private func build() throws(BedError) {
        let gateway4 = "10.211.\(subnet).1", gateway6 = "fd00:211:0:\(subnet)::1"
        try ip(["link", "add", bridge, "type", "bridge"])
        try ip(["addr", "add", "\(gateway4)/24", "dev", bridge])
        try ip(["-6", "addr", "add", "\(gateway6)/64", "dev", bridge, "nodad"])
        try ip(["link", "set", bridge, "up"])
        for host in hosts {
            let inner = "\(name)-i\(host.number)"
            try ip(["netns", "add", host.namespace])
            try ip(["link", "add", host.link, "type", "veth", "peer", "name", inner])
            try ip(["link", "set", inner, "netns", host.namespace])
            try ip(["link", "set", host.link, "master", bridge])
            try ip(["link", "set", host.link, "up"])
            try ip(["-n", host.namespace, "link", "set", inner, "name", "eth0"])
            try ip(["-n", host.namespace, "addr", "add", "\(host.ipv4)/24", "dev", "eth0"])
            try ip(["-n", host.namespace, "-6", "addr", "add", "\(host.ipv6)/64", "dev", "eth0", "nodad"])
            try ip(["-n", host.namespace, "link", "set", "eth0", "up"])
            try ip(["-n", host.namespace, "link", "set", "lo", "up"])
        }
    }

    /// Removes every namespace and link of the bed and kills (SIGKILL, by PID) any process
    /// still inside one of its namespaces. Idempotent; never throws (what is already gone is
    /// fine).
    public func remove() {
        let first = removed.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        Self.sweep(named: name, ip: ip)
        try? FileManager.default.removeItem(atPath: "\(Self.ownerDirectory)/\(name).pid")
    }

    /// Removes whatever of this bed's name exists: processes in its namespaces first (the
    /// namespace would outlive its name while they run), then namespaces, then links.
    private static func sweep(named name: String, ip: URL) {
        let (namespaces, links) = remnants(named: name, ip: ip)
        for namespace in namespaces {
            for pid in ((try? run(ip, ["netns", "pids", namespace])) ?? "").split(separator: "\n").compactMap({ Int32($0) }) {
                ProcessSignal.kill.send(to: pid)
            }
            _ = try? run(ip, ["netns", "del", namespace])
        }
        for link in links { _ = try? run(ip, ["link", "del", link]) }
    }

    /// The namespaces and links of a bed named `name` that exist now (after `remove`, none).
    public static func remnants(named name: String) -> (namespaces: [String], links: [String]) {
        guard let ip = ipBinary else { return ([], []) }
        return remnants(named: name, ip: ip)
    }

    private static func remnants(named name: String, ip: URL) -> (namespaces: [String], links: [String]) {
        let namespaces = ((try? run(ip, ["netns", "list"])) ?? "").split(separator: "\n")
            .compactMap { $0.split(separator: " ").first.map(String.init) }
            .filter { $0.hasPrefix("\(name)-h") }
        let links = ((try? run(ip, ["-o", "link", "show"])) ?? "").split(separator: "\n").compactMap { line -> String? in
            // "7: NAME-v1@if6: <...>": the link's name, before any "@peer" and the colon
            let fields = line.split(separator: " ")
            guard fields.count > 1, let field = fields[1].split(separator: "@").first else { return nil }
            let linkName = String(field.hasSuffix(":") ? field.dropLast() : field)
            return linkName.hasPrefix("\(name)-v") || linkName == "\(name)-br" ? linkName : nil
        }
        return (namespaces, links)
    }

    // MARK: Using it

    /// Takes the hosts' links down: they reach nothing outside (nor this namespace), and
    /// nothing reaches them, until `heal`.
    public func cut(_ cut: [Host]) throws(BedError) {
        for host in cut { try ip(["link", "set", host.link, "down"]) }
    }

    /// Brings the hosts' links up again.
    public func heal(_ healed: [Host]) throws(BedError) {
        for host in healed { try ip(["link", "set", host.link, "up"]) }
    }

    /// How to start a program inside `host`: the executable and the arguments before the
    /// program's path (`ip netns exec NAMESPACE`).
    public func launcher(for host: Host) -> (executable: URL, arguments: [String]) {
        (ip, ["netns", "exec", host.namespace])
    }

    /// Runs `body` on this thread inside `host`'s namespace: a socket it opens (a
    /// `ChordClient`'s) stays there. `body` must not suspend.
    public func inHost<T>(_ host: Host, _ body: () throws -> T) throws -> T {
        try NetworkNamespace.run(inNamespaceAt: "/run/netns/\(host.namespace)", body)
    }

    // MARK: Running ip

    private func ip(_ arguments: [String]) throws(BedError) {
        _ = try Self.run(ip, arguments)
    }

    /// Runs `ip arguments` and returns its standard output; throws with its standard error
    /// when it fails.
    @discardableResult
    private static func run(_ ip: URL, _ arguments: [String]) throws(BedError) -> String {
        let process = Process()
        process.executableURL = ip
        process.arguments = arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw BedError(message: "cannot run \(ip.path): \(error)")
        }
        let text = output.fileHandleForReading.readDataToEndOfFile()
        let problem = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BedError(message: "ip \(arguments.joined(separator: " ")): "
                + String(decoding: problem, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return String(decoding: text, as: UTF8.self)
    }
}

import ChordCore
import ClusterSupport
import CommandLineSupport
import Foundation

import ChordNet

/// chord-ring: starts a local ring of chord-node processes and keeps it serving until Ctrl-C.

let usage = Usage(
    synopsis: "chord-ring [--nodes N] [--base-port PORT] [--host HOST | --hosts K [--ipv6]] [--data-dir DIR]",
    summary: """
    Starts N chord-node processes on HOST (127.0.0.1), ports PORT, PORT+1, ...: the first
    creates the ring, each other joins through a random node already running. Prints every
    node's address and example dht and dhtlookup commands, then keeps the ring serving. Ctrl-C
    (or SIGTERM) makes every node leave gracefully; chord-ring waits for each by its PID and
    exits. Node logs go to the directory given with --logs (default: discarded).
    With --data-dir every node keeps its store on disk in DIR/node-HOST-PORT, so a ring
    stopped with Ctrl-C and started again with the same options has every key back.
    With --hosts K (root; Linux network namespaces) the nodes run on K test bed hosts named
    ring-h1 ... ring-hK, each a network namespace with its own address (10.211.X.11, .12, ...)
    on one bridge: a ring across "machines" on this one. Node i runs on host ((i - 1) mod K)
    + 1. Run a client inside a host with `ip netns exec ring-h1 COMMAND`; cut a host off with
    `ip link set ring-v1 down` (and heal it with `up`). Ctrl-C removes every namespace, link
    and process the test bed made.
    """,
    options: [
        .value("nodes", "N", "number of nodes (default 5)"),
        .value("base-port", "PORT", "first UDP port (default 4000)"),
        .value("host", "HOST", "address to listen on (default 127.0.0.1)"),
        .value("hosts", "K", "run the nodes on K network-namespace hosts (needs root)"),
        .flag("ipv6", "with --hosts: the nodes listen on their hosts' IPv6 addresses"),
        .value("replicas", "R", "copies of each key (default 3)"),
        .value("logs", "DIR", "write each node's log into DIR"),
        .value("data-dir", "DIR", "keep every node's store on disk under DIR (default: in memory)"),
        .value("fsync", "POLICY", "with --data-dir: always (default), interval:MS or never"),
        .clusterKeyFile,
    ])

let (arguments, nodeCount, basePort, replicas, clusterKey) = usage.settings(program: "chord-ring") { arguments throws(UsageError) in
    try arguments.expectNoPositionals()
    let nodeCount = try arguments.int("nodes", default: 5, in: 1...200)
    let basePort = try arguments.int("base-port", default: 4000, in: 1...65535)
    let replicas = try arguments.int("replicas", default: 3, in: 1...16)
    guard basePort + nodeCount - 1 <= 65535 else { throw UsageError("ports beyond 65535") }
    if arguments.string("hosts") != nil {
        _ = try arguments.int("hosts", default: 1, in: 1...40)
        if arguments.string("host") != nil { throw UsageError("--host and --hosts exclude each other") }
    } else if arguments.flag("ipv6") {
        throw UsageError("--ipv6 goes with --hosts (without it, say --host ::1)")
    }
    return (arguments, nodeCount, basePort, replicas, try arguments.clusterKeyFile())
}
let host = arguments.string("host") ?? "127.0.0.1"
let logDirectory = arguments.string("logs").map { URL(fileURLWithPath: $0) }
if let logDirectory { try? FileManager.default.createDirectory(at: logDirectory, withIntermediateDirectories: true) }

let dataDirectory = arguments.string("data-dir").map { URL(fileURLWithPath: $0) }
if let dataDirectory { try? FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true) }
let fsync = arguments.string("fsync").map { ["--fsync", $0] } ?? []

let quorum = replicas == 1 ? ["--write-quorum", "1", "--read-quorum", "1"] : []
let bed: NetworkBed?
do {
    bed = try arguments.string("hosts").flatMap(Int.init).map { count throws(NetworkBed.BedError) in
        try NetworkBed(name: "ring", hosts: count)
    }
} catch {
    StandardStreams.printError("chord-ring: \(error)")
    CurrentProcess.exit(1)
}
let cluster = LocalCluster(arguments: ["--replicas", String(replicas)] + quorum + fsync, logDirectory: logDirectory,
                           seed: UInt64(UInt32(truncatingIfNeeded: CurrentProcess.id)), clusterKey: clusterKey,
                           dataDirectory: dataDirectory, bed: bed)
// Ctrl-C or SIGTERM, from now on (also while nodes start): every node started leaves
// gracefully (SIGTERM by PID), then chord-ring removes the test bed (if any) and exits.
Interrupts.onInterrupt(exitStatus: 0) { [cluster, bed] in
    print("\nstopping \(cluster.nodes.count) nodes...")
    cluster.stopAll(timeout: .seconds(15))
    for node in cluster.nodes {
        print("node \(node.address) (pid \(node.pid)) exited with status \(node.waitForExit(timeout: .seconds(1)).map(String.init) ?? "?")")
    }
    if let bed {
        bed.remove()
        print("removed the test bed's \(bed.hosts.count) namespaces and their links")
    }
    StandardStreams.flushBufferedOutput()
}
do {
    for offset in 0..<nodeCount {
        let port = basePort + offset / (bed?.hosts.count ?? 1)
        let placed = bed.map { $0.hosts[offset % $0.hosts.count] }
        let listen = placed.map { $0.address(port: port, ipv6: arguments.flag("ipv6")) }
            ?? (host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)")
        let node = try cluster.add(listen: listen, host: placed)
        print("node \(offset + 1): \(node.address)  id \(node.id.hex)  pid \(node.pid)\(placed.map { "  host \($0.namespace)" } ?? "")")
    }
} catch {
    StandardStreams.printError("chord-ring: \(error) (is the port in use? try --base-port)")
    cluster.stopAll()
    bed?.remove()
    CurrentProcess.exit(1)
}
let first = cluster.nodes[0].address
let last = cluster.nodes[cluster.nodes.count - 1].address
let key = clusterKey.map { " --cluster-key-file \($0.path)" } ?? ""
// On a test bed, a client runs inside a host: `ip netns exec HOST` before the command.
let inFirst = bed.map { "ip netns exec \($0.hosts[0].namespace) " } ?? ""
let inLast = bed.map { bed in "ip netns exec \(bed.hosts[(nodeCount - 1) % bed.hosts.count].namespace) " } ?? ""
print("""

A ring of \(nodeCount) nodes is serving\(clusterKey.map { " with the \($0.key)" } ?? "")\(dataDirectory.map { ", keeping its data in \($0.path)" } ?? ""). Try, in another terminal:
  \(inFirst).build/release/dht --via \(first)\(key) put greeting "hello, ring"
  \(inLast).build/release/dht --via \(last)\(key) get greeting
  \(inFirst).build/release/dhtlookup --via \(first)\(key) greeting
  \(inFirst).build/release/dht --via \(first)\(key) ring
  \(inLast).build/release/dht --via \(last)\(key)                     (interactive: PUT/GET/REMOVE/EXIT)\(bed.map { bed in
      "\nCut host 1 off with `ip link set \(bed.hosts[0].link) down` "
          + "(heal it with `up`)." } ?? "")
Press Ctrl-C to stop every node.
""")
StandardStreams.flushBufferedOutput()  // flush every stream: the addresses must show at once, even into a pipe

CurrentProcess.waitForever()  // everything else happens in the interrupt handler's thread

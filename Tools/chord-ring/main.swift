import ChordCore
import ClusterSupport
import CommandLineSupport
import Foundation

import ChordNet

/// chord-ring: starts a local ring of chord-node processes and keeps it serving until Ctrl-C.

let usage = Usage(
    synopsis: "chord-ring [--nodes N] [--base-port PORT] [--host HOST] [--data-dir DIR]",
    summary: """
    Starts N chord-node processes on HOST (127.0.0.1), ports PORT, PORT+1, ...: the first
    creates the ring, each other joins through a random node already running. Prints every
    node's address and example dht and dhtlookup commands, then keeps the ring serving. Ctrl-C
    (or SIGTERM) makes every node leave gracefully; chord-ring waits for each by its PID and
    exits. Node logs go to the directory given with --logs (default: discarded).
    With --data-dir every node keeps its store on disk in DIR/node-HOST-PORT, so a ring
    stopped with Ctrl-C and started again with the same options has every key back.
    """,
    options: [
        .value("nodes", "N", "number of nodes (default 5)"),
        .value("base-port", "PORT", "first UDP port (default 4000)"),
        .value("host", "HOST", "address to listen on (default 127.0.0.1)"),
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
    return (arguments, nodeCount, basePort, replicas, try arguments.clusterKeyFile())
}
let host = arguments.string("host") ?? "127.0.0.1"
let logDirectory = arguments.string("logs").map { URL(fileURLWithPath: $0) }
if let logDirectory { try? FileManager.default.createDirectory(at: logDirectory, withIntermediateDirectories: true) }

let dataDirectory = arguments.string("data-dir").map { URL(fileURLWithPath: $0) }
if let dataDirectory { try? FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true) }
let fsync = arguments.string("fsync").map { ["--fsync", $0] } ?? []

let quorum = replicas == 1 ? ["--write-quorum", "1", "--read-quorum", "1"] : []
let cluster = LocalCluster(arguments: ["--replicas", String(replicas)] + quorum + fsync, logDirectory: logDirectory,
                           seed: UInt64(UInt32(truncatingIfNeeded: CurrentProcess.id)), clusterKey: clusterKey,
                           dataDirectory: dataDirectory)
// Ctrl-C or SIGTERM, from now on (also while nodes start): every node started leaves
// gracefully (SIGTERM by PID), then chord-ring exits.
Interrupts.onInterrupt(exitStatus: 0) { [cluster] in
    print("\nstopping \(cluster.nodes.count) nodes...")
    cluster.stopAll(timeout: .seconds(15))
    for node in cluster.nodes {
        print("node \(node.address) (pid \(node.pid)) exited with status \(node.waitForExit(timeout: .seconds(1)).map(String.init) ?? "?")")
    }
    StandardStreams.flushBufferedOutput()
}
do {
    for offset in 0..<nodeCount {
        let listen = host.contains(":") ? "[\(host)]:\(basePort + offset)" : "\(host):\(basePort + offset)"
        let node = try cluster.add(listen: listen)
        print("node \(offset + 1): \(node.address)  id \(node.id.hex)  pid \(node.pid)")
    }
} catch {
    StandardStreams.printError("chord-ring: \(error) (is the port in use? try --base-port)")
    cluster.stopAll()
    CurrentProcess.exit(1)
}
let first = cluster.nodes[0].address
let last = cluster.nodes[cluster.nodes.count - 1].address
let key = clusterKey.map { " --cluster-key-file \($0.path)" } ?? ""
print("""

A ring of \(nodeCount) nodes is serving\(clusterKey.map { " with the \($0.key)" } ?? "")\(dataDirectory.map { ", keeping its data in \($0.path)" } ?? ""). Try, in another terminal:
  .build/release/dht --via \(first)\(key) put greeting "hello, ring"
  .build/release/dht --via \(last)\(key) get greeting
  .build/release/dhtlookup --via \(first)\(key) greeting
  .build/release/dht --via \(first)\(key) ring
  .build/release/dht --via \(last)\(key)                     (interactive: PUT/GET/REMOVE/EXIT)
Press Ctrl-C to stop every node.
""")
StandardStreams.flushBufferedOutput()  // flush every stream: the addresses must show at once, even into a pipe

CurrentProcess.waitForever()  // everything else happens in the interrupt handler's thread

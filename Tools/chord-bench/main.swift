import ChordClient
import ChordCore
import ChordNet
import ClusterSupport
import CommandLineSupport
import Foundation
import ToolSupport

/// chord-bench: starts a ring of real chord-node processes on 127.0.0.1 and measures it.

let usage = Usage(
    synopsis: "chord-bench [--nodes N] [--keys K] [--concurrency C] [--seconds S] [--cluster-key-file PATH] [--json] | --memory",
    summary: """
    Starts N chord-node processes on 127.0.0.1 (each joining through a random member), waits
    until the ring is exact, then measures: K sequential puts and K sequential gets (from a
    client that stored nothing) with their latency percentiles, lookup hop counts over K
    lookups, and gets/s with C requests outstanding for S seconds. Prints a table and one
    JSON line. With --memory: one node's resident memory idle and with 100,000 keys of
    100-byte values. With --cluster-key-file every node and client authenticates every
    datagram with that key (run once with and once without to compare). With --data-dir:
    for each --fsync policy (a comma-separated list) a fresh ring keeping its stores under
    DIR, K sequential puts and C puts outstanding for S seconds, next to the raw fsync floor
    of the same disk measured in the same run. Use the release build (swift build -c release).
    """,
    options: [
        .value("nodes", "N", "ring size (default 8)"),
        .value("keys", "K", "keys written and read, lookups traced (default 2000)"),
        .value("value-size", "BYTES", "value size (default 100)"),
        .value("concurrency", "C", "requests outstanding in the throughput phase (default 64)"),
        .value("seconds", "S", "length of the throughput phase (default 10)"),
        .value("replicas", "R", "replication factor passed to every node (default 3)"),
        .value("stabilize", "SECONDS", "stabilize period of the nodes (default 1)"),
        .value("seed", "N", "seed for keys and join order (default 1)"),
        .value("fault-loss", "P", "every node drops each datagram it sends or receives with probability P (chord-node --fault-loss)"),
        .value("fault-delay", "MS[:JITTER]", "every node delays each datagram it sends (chord-node --fault-delay)"),
        .value("logs", "DIR", "write node logs into DIR"),
        .flag("memory", "measure one node's memory idle and with 100,000 keys instead"),
        .value("data-dir", "DIR", "instead: put latency and throughput with the stores on disk under DIR"),
        .value("fsync", "POLICIES", "with --data-dir: sync policies to compare (default always,interval:10,never)"),
        .value("recovery", "KEYS", "with --data-dir: load KEYS keys into one node, kill -9 it, time its restart; disk bytes per stored byte"),
        .flag("json", "print only the JSON line"),
        .clusterKeyFile,
    ])

struct BenchError: Error, CustomStringConvertible {
    let description: String
}

let (arguments, nodeCount, keyCount, valueSize, concurrency, phaseSeconds, replicas, seed, clusterKey) =
    usage.settings(program: "chord-bench") { arguments throws(UsageError) in
        try arguments.expectNoPositionals()
        return (arguments,
                try arguments.int("nodes", default: 8, in: 1...256),
                try arguments.int("keys", default: 2000, in: 1...10_000_000),
                try arguments.int("value-size", default: 100, in: 0...StorageLimits.maximumValueBytes),
                try arguments.int("concurrency", default: 64, in: 1...4096),
                try arguments.int("seconds", default: 10, in: 1...3600),
                try arguments.int("replicas", default: 3, in: 1...16),
                UInt64(try arguments.int("seed", default: 1, in: 0...Int.max)),
                try arguments.clusterKeyFile())
    }
let stabilize = arguments.string("stabilize") ?? "1"
let jsonOnly = arguments.flag("json")
let logDirectory = arguments.string("logs").map { URL(fileURLWithPath: $0) }
if let logDirectory { try? FileManager.default.createDirectory(at: logDirectory, withIntermediateDirectories: true) }

func say(_ text: String) {
    if !jsonOnly { StandardStreams.printError(text) }
}

let memoryMode = arguments.flag("memory")
let dataDirectory = arguments.string("data-dir").map { URL(fileURLWithPath: $0) }
let policies = (arguments.string("fsync") ?? "always,interval:10,never").split(separator: ",").map(String.init)
let effectiveReplicas = memoryMode ? 1 : replicas
let quorum = effectiveReplicas == 1 ? ["--write-quorum", "1", "--read-quorum", "1"] : []
/// Injected faults for every node of the main benchmark (a test facility of chord-node).
let faults = (arguments.string("fault-loss").map { ["--fault-loss", $0] } ?? [])
    + (arguments.string("fault-delay").map { ["--fault-delay", $0] } ?? [])
let cluster = LocalCluster(arguments: ["--stabilize", stabilize, "--replicas", String(effectiveReplicas)] + quorum + faults,
                           logDirectory: logDirectory, seed: seed, clusterKey: clusterKey)
let clock = ContinuousClock()
Interrupts.onInterrupt { [cluster] in
    cluster.stopAll()
    StandardStreams.printError("\nchord-bench: interrupted; every node stopped")
}

func keyName(_ index: Int) -> String { "bench-\(seed)-\(index)" }
func value(for index: Int) -> [UInt8] {
    var random = SeededRandom(seed: seed &* 1_000_003 &+ UInt64(index))
    return (0..<valueSize).map { _ in UInt8(truncatingIfNeeded: random.next()) }
}

/// Runs `count` operations keeping `outstanding` in flight; returns their latencies and failures.
func runConcurrently(clients: [ChordClient], count: Int?, until deadline: ContinuousClock.Instant?, outstanding: Int,
                     _ operation: @escaping @Sendable (ChordClient, Int) async throws -> Bool) async -> (latencies: [Duration], failures: Int) {
    await withTaskGroup(of: ([Duration], Int).self) { group in
        let counter = Counter()
        for worker in 0..<outstanding {
            group.addTask {
                var latencies: [Duration] = []
                var failures = 0
                while true {
                    if let deadline, ContinuousClock.now >= deadline { break }
                    let index = counter.next()
                    if let count, index >= count { break }
                    let client = clients[(worker + index) % clients.count]
                    let started = ContinuousClock.now
                    let ok = (try? await operation(client, index)) ?? false
                    if ok { latencies.append(ContinuousClock.now - started) } else { failures += 1 }
                }
                return (latencies, failures)
            }
        }
        var all: [Duration] = []
        var failures = 0
        for await (latencies, failed) in group {
            all += latencies
            failures += failed
        }
        return (all, failures)
    }
}

/// A shared, thread-safe counter.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value - 1
    }
}

func memoryBenchmark() async throws -> String {
    let node = try cluster.add()
    try await Task.sleep(for: .seconds(2))  // let the idle node settle before reading its memory
    let idle = LocalCluster.residentBytes(of: node) ?? 0
    let client = try cluster.makeClient(via: node.address)
    defer { client.close() }
    let keys = 100_000
    let rawBytes = (0..<keys).reduce(0) { $0 + keyName($1).utf8.count + 100 }
    say("writing \(keys) keys of 100 bytes...")
    let result = await runConcurrently(clients: [client], count: keys, until: nil, outstanding: 64) { client, index in
        var random = SeededRandom(seed: UInt64(index))
        try await client.put(keyName(index), (0..<100).map { _ in UInt8(truncatingIfNeeded: random.next()) })
        return true
    }
    let loaded = LocalCluster.residentBytes(of: node) ?? 0
    let growth = loaded - idle
    let line = "{\"idle_rss_mb\":\(fixed(Double(idle) / 1_048_576)),\"loaded_rss_mb\":\(fixed(Double(loaded) / 1_048_576)),"
        + "\"keys\":\(keys),\"failed\":\(result.failures),\"raw_data_mb\":\(fixed(Double(rawBytes) / 1_048_576)),"
        + "\"loaded_over_raw\":\(fixed(Double(loaded) / Double(rawBytes))),\"growth_over_raw\":\(fixed(Double(growth) / Double(rawBytes)))}"
    if !jsonOnly {
        print("idle RSS            \(fixed(Double(idle) / 1_048_576)) MB")
        print("loaded RSS          \(fixed(Double(loaded) / 1_048_576)) MB  (\(keys) keys, \(result.failures) failed puts)")
        print("raw keys + values   \(fixed(Double(rawBytes) / 1_048_576)) MB")
        print("loaded / raw        \(fixed(Double(loaded) / Double(rawBytes)))  (growth / raw \(fixed(Double(growth) / Double(rawBytes))))")
    }
    return line
}

func ringBenchmark() async throws -> String {
    say("starting \(nodeCount) nodes...")
    try cluster.start(count: nodeCount)
    let formed: Duration
    do {
        formed = try await cluster.waitUntilExact(timeout: .seconds(120))
    } catch {
        guard case .notExact(let last, _, _) = error else { throw error }
        throw BenchError(description: "ring not exact within 120 s: \(last)")
    }
    say("ring exact after \(fixed(seconds(formed))) s")
    let nodes = cluster.nodes
    let writer = try cluster.makeClient(via: nodes[0].address)
    let reader = try cluster.makeClient(via: nodes[nodes.count > 1 ? 1 : 0].address)
    defer {
        writer.close()
        reader.close()
    }
    // Sequential puts, then sequential gets from a client that stored nothing.
    var putLatencies: [Duration] = []
    var putFailures = 0
    for index in 0..<keyCount {
        let started = clock.now
        do {
            try await writer.put(keyName(index), value(for: index))
            putLatencies.append(clock.now - started)
        } catch {
            putFailures += 1
        }
    }
    say("puts done")
    var getLatencies: [Duration] = []
    var wrongValues = 0, getFailures = 0
    for index in 0..<keyCount {
        let started = clock.now
        do {
            let got = try await reader.get(keyName(index))
            getLatencies.append(clock.now - started)
            if got != value(for: index) { wrongValues += 1 }
        } catch {
            getFailures += 1
        }
    }
    say("gets done")
    // Lookup hop counts (Chord routing hops, without the owner's confirmation).
    // Each lookup's owner is compared with the true owner (the members in identifier order).
    var hops: [Int] = []
    var lookups = 0
    var atTrueOwner = 0
    var lookupFailures = 0
    for index in 0..<min(keyCount, 1000) {
        lookups += 1
        if let trace = try? await writer.lookup(key: keyName(index)), trace.status == .ok {
            hops.append(trace.hops.filter { $0.roundTrip != nil && !$0.confirmsOwner }.count)
            if let owner = trace.owner, owner == cluster.owner(of: Identifier.forKey(keyName(index)))?.peer { atTrueOwner += 1 }
        } else {
            lookupFailures += 1  // no answer, or the traced lookup gave up: not an answer at all
        }
    }
    hops.sort()
    // Throughput: C gets outstanding for S seconds, spread over clients of every node.
    let clients = try nodes.map { try cluster.makeClient(via: $0.address) }
    defer { clients.forEach { $0.close() } }
    let started = clock.now
    let concurrent = await runConcurrently(clients: clients, count: nil, until: started + .seconds(phaseSeconds),
                                           outstanding: concurrency) { client, index in
        let key = (index &* 7919) % keyCount
        return try await client.get(keyName(key)) == value(for: key)
    }
    let elapsed = seconds(clock.now - started)
    let rss = nodes.compactMap(LocalCluster.residentBytes(of:)).map { Double($0) / 1_048_576 }
    let puts = LatencySummary(putLatencies)
    let gets = LatencySummary(getLatencies)
    let throughput = LatencySummary(concurrent.latencies)
    let opsPerSecond = Double(concurrent.latencies.count) / elapsed
    let meanHops = hops.isEmpty ? 0 : Double(hops.reduce(0, +)) / Double(hops.count)
    func hopsAt(_ fraction: Double) -> Int { percentile(hops, fraction) }
    if !jsonOnly {
        print("nodes \(nodeCount), keys \(keyCount), value \(valueSize) B, replicas \(replicas), "
              + (clusterKey.map { "\($0.key), " } ?? "no cluster key, ")
              + (faults.isEmpty ? "" : "injected faults \(faults.joined(separator: " ")), ")
              + "ring exact after \(fixed(seconds(formed))) s")
        print("phase            n      p50 ms   p90 ms   p99 ms   p99.9 ms  failures")
        func row(_ name: String, _ summary: LatencySummary, _ failures: Int) {
            let cells = [fixed(summary.p50), fixed(summary.p90), fixed(summary.p99), fixed(summary.p999)].map { $0.padding(toLength: 9, withPad: " ", startingAt: 0) }
            print("\(name.padding(toLength: 16, withPad: " ", startingAt: 0))\(String(summary.count).padding(toLength: 7, withPad: " ", startingAt: 0))\(cells.joined()) \(failures)")
        }
        row("put (sequential)", puts, putFailures)
        row("get (sequential)", gets, getFailures + wrongValues)
        row("get (\(concurrency) out)", throughput, concurrent.failures)
        print("gets/s with \(concurrency) outstanding: \(Int(opsPerSecond.rounded()))")
        print("lookup hops: mean \(fixed(meanHops)), p50 \(hopsAt(0.5)), p99 \(hopsAt(0.99)), max \(hops.last ?? 0); "
              + "\(atTrueOwner) of \(lookups - lookupFailures) answered lookups ended at the true owner, \(lookupFailures) unanswered")
        print("node RSS MB: mean \(fixed(rss.reduce(0, +) / Double(max(rss.count, 1)))), max \(fixed(rss.max() ?? 0))")
    }
    return "{\"nodes\":\(nodeCount),\"keys\":\(keyCount),\"value_bytes\":\(valueSize),\"replicas\":\(replicas),"
        + "\"cluster_key\":\(clusterKey != nil),"
        + "\"ring_exact_s\":\(fixed(seconds(formed))),\"put\":\(puts.json),\"put_failures\":\(putFailures),"
        + "\"get\":\(gets.json),\"get_failures\":\(getFailures),\"get_wrong_values\":\(wrongValues),"
        + "\"concurrent_get\":{\"concurrency\":\(concurrency),\"seconds\":\(fixed(elapsed)),\"ok\":\(concurrent.latencies.count),"
        + "\"failures\":\(concurrent.failures),\"ops_per_s\":\(fixed(opsPerSecond)),\"latency\":\(throughput.json)},"
        + "\"lookup_hops\":{\"n\":\(hops.count),\"mean\":\(fixed(meanHops)),\"p50\":\(hopsAt(0.5)),\"p99\":\(hopsAt(0.99)),\"max\":\(hops.last ?? 0)},"
        + "\"lookups\":{\"n\":\(lookups),\"answered\":\(lookups - lookupFailures),\"at_true_owner\":\(atTrueOwner)},\"faults\":\(JSONText.string(faults.joined(separator: " "))),"
        + "\"rss_mb\":{\"mean\":\(fixed(rss.reduce(0, +) / Double(max(rss.count, 1)))),\"max\":\(fixed(rss.max() ?? 0))}}"
}

/// For each sync policy, a fresh ring with its stores under `directory`: sequential put
/// latency and put throughput with `concurrency` outstanding; first the disk's raw floor.
func durabilityBenchmark(in directory: URL) async throws -> String {
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let floor = try SyncFloor.measure(in: directory.path, count: 500).sorted()
    let floorP50 = Double(percentile(floor, 0.5)) / 1e6
    let floorRate = 1e9 / (Double(floor.reduce(0, +)) / Double(floor.count))
    say("raw fsync floor: write 128 B + fdatasync p50 \(fixed(floorP50)) ms, \(Int(floorRate)) syncs/s")
    var rows: [String] = []
    var lines: [String] = []
    for (round, policy) in policies.enumerated() {
        let scratch = directory.appendingPathComponent("bench-\(round)-\(policy.replacingOccurrences(of: ":", with: "-"))")
        try? FileManager.default.removeItem(at: scratch)
        let ring = LocalCluster(arguments: ["--stabilize", stabilize, "--replicas", String(replicas), "--fsync", policy] + quorum,
                                logDirectory: logDirectory, seed: seed, clusterKey: clusterKey, dataDirectory: scratch)
        defer { ring.stopAll() }
        say("\(policy): starting \(nodeCount) nodes...")
        try ring.start(count: nodeCount)
        _ = try await ring.waitUntilExact(timeout: .seconds(120))
        let writer = try ring.makeClient(via: ring.nodes[0].address)
        defer { writer.close() }
        var sequential: [Duration] = []
        var failures = 0
        for index in 0..<keyCount {
            let started = clock.now
            do {
                try await writer.put(keyName(index), value(for: index))
                sequential.append(clock.now - started)
            } catch {
                failures += 1
            }
        }
        let clients = try ring.nodes.map { try ring.makeClient(via: $0.address) }
        defer { clients.forEach { $0.close() } }
        let started = clock.now
        let concurrent = await runConcurrently(clients: clients, count: nil, until: started + .seconds(phaseSeconds),
                                               outstanding: concurrency) { client, index in
            try await client.put(keyName(keyCount + index), value(for: index))
            return true
        }
        let elapsed = seconds(clock.now - started)
        let puts = LatencySummary(sequential)
        let throughput = LatencySummary(concurrent.latencies)
        let perSecond = Double(concurrent.latencies.count) / elapsed
        lines.append(policy.padding(toLength: 13, withPad: " ", startingAt: 0)
                     + [fixed(puts.p50), fixed(puts.p99), String(Int(perSecond.rounded())), fixed(throughput.p50),
                        String(failures + concurrent.failures)].map { $0.padding(toLength: 11, withPad: " ", startingAt: 0) }.joined())
        rows.append("{\"fsync\":\"\(policy)\",\"put\":\(puts.json),\"put_failures\":\(failures),"
                    + "\"concurrent_put\":{\"concurrency\":\(concurrency),\"ops_per_s\":\(fixed(perSecond)),\"failures\":\(concurrent.failures),"
                    + "\"latency\":\(throughput.json)}}")
    }
    if !jsonOnly {
        print("nodes \(nodeCount), replicas \(replicas), \(keyCount) sequential puts of \(valueSize) B, then \(concurrency) outstanding for \(phaseSeconds) s")
        print("raw fsync floor (128 B write + fdatasync, 500 rounds): p50 \(fixed(floorP50)) ms, \(Int(floorRate)) syncs/s")
        print("fsync        put p50 ms put p99 ms puts/s     p50 ms     failures")
        for line in lines { print(line) }
    }
    return "{\"nodes\":\(nodeCount),\"replicas\":\(replicas),\"sync_floor\":{\"p50_ms\":\(fixed(floorP50)),\"syncs_per_s\":\(fixed(floorRate))},"
        + "\"policies\":[\(rows.joined(separator: ","))]}"
}

/// One node (one replica) loaded with `count` keys, SIGKILLed and restarted on its data
/// directory: how long until it serves again, and how many disk bytes each stored byte took.
func recoveryBenchmark(in directory: URL, count: Int) async throws -> String {
    let scratch = directory.appendingPathComponent("recovery")
    try? FileManager.default.removeItem(at: scratch)
    let ring = LocalCluster(arguments: ["--replicas", "1", "--write-quorum", "1", "--read-quorum", "1"],
                            logDirectory: logDirectory, seed: seed, dataDirectory: scratch)
    defer { ring.stopAll() }
    let node = try ring.add()
    let client = try ring.makeClient(via: node.address)
    say("loading \(count) keys of \(valueSize) bytes...")
    let started = clock.now
    let load = await runConcurrently(clients: [client], count: count, until: nil, outstanding: concurrency) { client, index in
        try await client.put(keyName(index), value(for: index))
        return true
    }
    let loadSeconds = seconds(clock.now - started)
    client.close()
    let raw = (0..<count).reduce(0) { $0 + keyName($1).utf8.count + valueSize }
    var disk = 0
    for file in try FileManager.default.subpathsOfDirectory(atPath: scratch.path) {
        let attributes = try FileManager.default.attributesOfItem(atPath: scratch.appendingPathComponent(file).path)
        if attributes[.type] as? FileAttributeType == .typeRegular { disk += (attributes[.size] as? Int) ?? 0 }
    }
    ring.crash([node])
    say("killed; restarting...")
    let restart = clock.now
    let again = try ring.add(listen: node.address.description)
    let recovery = seconds(clock.now - restart)
    let reader = try ring.makeClient(via: again.address)
    defer { reader.close() }
    var wrong = 0
    for index in stride(from: 0, to: count, by: max(1, count / 1000)) where try await reader.get(keyName(index)) != value(for: index) {
        wrong += 1
    }
    if !jsonOnly {
        print("keys \(count) of \(valueSize) B loaded in \(fixed(loadSeconds)) s (\(Int(Double(count - load.failures) / loadSeconds)) puts/s, \(load.failures) failed)")
        print("restart after kill -9 until serving: \(fixed(recovery)) s (recovery included); sampled keys wrong: \(wrong)")
        print("disk bytes \(disk) for \(raw) bytes of keys and values: \(fixed(Double(disk) / Double(raw))) disk bytes per stored byte")
    }
    return "{\"keys\":\(count),\"value_bytes\":\(valueSize),\"load_s\":\(fixed(loadSeconds)),\"load_failures\":\(load.failures),"
        + "\"restart_s\":\(fixed(recovery)),\"sampled_wrong\":\(wrong),\"disk_bytes\":\(disk),\"raw_bytes\":\(raw),"
        + "\"disk_per_stored_byte\":\(fixed(Double(disk) / Double(raw)))}"
}

let outcome: Result<String, Error>
do {
    if let dataDirectory, arguments.string("recovery") != nil {
        outcome = .success(try await recoveryBenchmark(in: dataDirectory, count: try arguments.int("recovery", default: 0, in: 1...10_000_000)))
    } else if let dataDirectory {
        outcome = .success(try await durabilityBenchmark(in: dataDirectory))
    } else {
        outcome = .success(memoryMode ? try await memoryBenchmark() : try await ringBenchmark())
    }
} catch {
    outcome = .failure(error)
}
cluster.stopAll()
switch outcome {
case .success(let line):
    print("JSON " + line)
    CurrentProcess.exit(0)
case .failure(let error):
    StandardStreams.printError("chord-bench: \(error)")
    CurrentProcess.exit(1)
}

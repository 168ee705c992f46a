import ChordClient
import ChordCore
import ChordNet
import ChordWire
import ClusterSupport
import CommandLineSupport
import Foundation
import Synchronization
import ToolSupport

/// chord-flood: floods one node of a local ring with random datagrams from many source ports
/// at full speed, while a client keeps using the ring through that node; reports what the
/// client saw and the node's resident memory (docs/PROTOCOL.md, "Trust": rate limits and
/// bounded state).

let usage = Usage(
    synopsis: "chord-flood [--nodes N] [--seconds S] [--sources P] [--seed N] [--json]",
    summary: """
    Starts a ring of N chord-node processes on 127.0.0.1 and writes some keys, then for S
    seconds sends one node datagrams as fast as one thread can, from P source ports: random
    bytes, and well-formed requests of every kind (client gets, puts and traces, member queries,
    notifies, stores and leavings without cookies, under true and false identities). Meanwhile a
    client reads a known key through the flooded node every 50 ms. Prints datagrams sent, the
    client's success rate and latency, and the flooded node's largest resident memory.
    """,
    options: [
        .value("nodes", "N", "ring size (default 3)"),
        .value("seconds", "S", "length of the flood (default 60)"),
        .value("sources", "P", "source ports the flood comes from (default 1000)"),
        .value("seed", "N", "seed of the flood's content (default 1)"),
        .flag("json", "print only the JSON line"),
    ])

let (arguments, nodeCount, seconds, sourceCount, seed) = usage.settings(program: "chord-flood") { arguments throws(UsageError) in
    try arguments.expectNoPositionals()
    return (arguments,
            try arguments.int("nodes", default: 3, in: 1...64),
            try arguments.int("seconds", default: 60, in: 1...3600),
            try arguments.int("sources", default: 1000, in: 1...10_000),
            UInt64(try arguments.int("seed", default: 1, in: 0...Int.max)))
}
let jsonOnly = arguments.flag("json")

func say(_ text: String) {
    if !jsonOnly { StandardStreams.printError(text) }
}

/// What the client saw during the flood.
struct ClientTally: Sendable {
    var attempts = 0
    var correct = 0
    var latencies: [Duration] = []
}

/// One flood datagram: random bytes, or a well-formed request a stranger could send (its
/// writes go to keys of its own: a client's legitimate puts are not the point).
func floodDatagram(_ random: inout SeededRandom, target: NodeAddress, members: [Peer]) -> [UInt8] {
    let key = Array("noise-\(random.nextInt(below: 10_000))".utf8)
    let stranger = Peer(id: random.nextIdentifier(), address: NodeAddress(ipv4: 0x7F00_0001, port: UInt16(1 + random.nextInt(below: 60_000))))
    let member = members[random.nextInt(below: members.count)]
    let sender: Peer? = [nil, stranger, member, Peer(address: stranger.address)][random.nextInt(below: 4)]
    let message: Message
    switch random.nextInt(below: 12) {
    case 0: return (0..<(1 + random.nextInt(below: 1400))).map { _ in UInt8(truncatingIfNeeded: random.next()) }
    case 1: message = .get(key: key)
    case 2: message = .put(key: key, value: Array("flood".utf8))
    case 3: message = .traceLookup(target: random.nextIdentifier())
    case 4: message = .getInfo
    case 5: message = .findNext(target: random.nextIdentifier())
    case 6: message = .getNeighbors
    case 7: message = .notify
    case 8: message = .store(entries: [StoredEntry(key: key, value: Array("flood".utf8), version: Version(timestamp: .max, writer: 0))])
    case 9: message = .leaving(predecessor: member, successors: [member])
    case 10: message = .ping
    default: message = .ownerRequest(.put(key: key, value: Array("flood".utf8)))
    }
    let cookie: UInt64? = random.nextInt(below: 2) == 0 ? nil : random.next()
    return WireFormat.encode(Envelope(requestID: random.next(), cookie: cookie, sender: sender, message: message))
}

let cluster = LocalCluster(seed: seed)
Interrupts.onInterrupt { [cluster] in cluster.killAll() }
do {
    say("starting \(nodeCount) nodes...")
    try cluster.start(count: nodeCount)
    try await cluster.waitUntilExact(timeout: .seconds(60))
    let target = cluster.ringOrder[0]
    let keys = (0..<100).map { "flood-key-\($0)" }
    let client = try cluster.client(of: target)
    for key in keys { try await client.put(key, Array("value of \(key)".utf8)) }
    let idleRSS = LocalCluster.residentBytes(of: target) ?? 0

    say("flooding \(target.address) for \(seconds) s from \(sourceCount) ports...")
    let sockets = try (0..<sourceCount).map { _ in try UDPSocket(binding: NodeAddress(ipv4: 0x7F00_0001, port: 0)) }
    let members = cluster.ringOrder.map(\.peer)
    let running = Atomic<Bool>(true)
    let sent = Atomic<Int>(0)
    let flooder = Task.detached { [sockets, members] in
        var random = SeededRandom(seed: seed)
        var count = 0
        while running.load(ordering: .relaxed) {
            let datagram = floodDatagram(&random, target: target.address, members: members)
            try? sockets[count % sockets.count].send(datagram, to: target.address)
            count += 1
            if count % 1024 == 0 { sent.store(count, ordering: .relaxed) }
        }
        sent.store(count, ordering: .relaxed)
    }
    var tally = ClientTally()
    var largestRSS = idleRSS
    let end = ContinuousClock.now + .seconds(seconds)
    var nextSample = ContinuousClock.now
    while ContinuousClock.now < end {
        let key = keys[tally.attempts % keys.count]
        let start = ContinuousClock.now
        tally.attempts += 1
        if let value = try? await client.get(key), value == Array("value of \(key)".utf8) {
            tally.correct += 1
            tally.latencies.append(ContinuousClock.now - start)
        }
        if ContinuousClock.now >= nextSample {
            largestRSS = max(largestRSS, LocalCluster.residentBytes(of: target) ?? 0)
            nextSample = ContinuousClock.now + .milliseconds(500)
        }
        try? await Task.sleep(for: .milliseconds(50))
    }
    running.store(false, ordering: .relaxed)
    await flooder.value
    largestRSS = max(largestRSS, LocalCluster.residentBytes(of: target) ?? 0)
    let stillServing = (try? await client.get(keys[0])) == Array("value of \(keys[0])".utf8)

    let latencies = tally.latencies.map(ToolSupport.seconds).sorted()
    let datagrams = sent.load(ordering: .relaxed)
    func fixed(_ value: Double) -> String { String(format: "%.3f", value) }
    let successPercent = 100 * Double(tally.correct) / Double(max(tally.attempts, 1))
    if !jsonOnly {
        print("flood: \(datagrams) datagrams in \(seconds) s (\(datagrams / seconds)/s) from \(sourceCount) ports")
        print("client through the flooded node: \(tally.correct) of \(tally.attempts) gets correct (\(fixed(successPercent)) %), "
              + "latency p50 \(fixed(1000 * percentile(latencies, 0.5))) ms, p99 \(fixed(1000 * percentile(latencies, 0.99))) ms")
        print("flooded node RSS: idle \(fixed(Double(idleRSS) / 1_048_576)) MB, largest \(fixed(Double(largestRSS) / 1_048_576)) MB; "
              + "serving afterwards: \(stillServing)")
    }
    print("JSON {\"datagrams\":\(datagrams),\"seconds\":\(seconds),\"sources\":\(sourceCount),\"client_attempts\":\(tally.attempts),"
          + "\"client_correct\":\(tally.correct),\"latency_p50_ms\":\(fixed(1000 * percentile(latencies, 0.5))),"
          + "\"latency_p99_ms\":\(fixed(1000 * percentile(latencies, 0.99))),\"idle_rss_mb\":\(fixed(Double(idleRSS) / 1_048_576)),"
          + "\"largest_rss_mb\":\(fixed(Double(largestRSS) / 1_048_576)),\"serving_afterwards\":\(stillServing)}")
    cluster.stopAll()
    CurrentProcess.exit(stillServing ? 0 : 1)
} catch {
    StandardStreams.printError("chord-flood: \(error)")
    cluster.stopAll()
    CurrentProcess.exit(1)
}

import ChordClient
import ChordCore
import ClusterSupport
import Foundation
import Synchronization
import Testing

/// What a writer learned: per key, the last value acknowledged and the value of a put whose
/// answer never came (the node was killed with it in flight: it may or may not have been kept).
private final class WriteLedger: Sendable {
    private struct Entry {
        var acknowledged: [UInt8]?
        var inFlight: [UInt8]?
    }

    private let entries = Mutex<[String: Entry]>([:])

    func begin(_ key: String, _ value: [UInt8]) { entries.withLock { $0[key, default: Entry()].inFlight = value } }

    func acknowledged(_ key: String, _ value: [UInt8]) {
        entries.withLock { $0[key] = Entry(acknowledged: value, inFlight: nil) }
    }

    /// Each key with the values it may hold now.
    var allowed: [(key: String, values: [[UInt8]?])] {
        entries.withLock { entries in
            entries.keys.sorted().map { key in
                let entry = entries[key]!
                return (key, [entry.acknowledged] + (entry.inFlight.map { [$0] } ?? []))
            }
        }
    }

    /// What a read found becomes the key's known value.
    func settle(_ key: String, _ value: [UInt8]?) {
        entries.withLock { $0[key] = Entry(acknowledged: value, inFlight: nil) }
    }
}

/// Puts `value`, retrying (at most 5 times, 200 ms apart) while the ring answers `unavailable`.
private func putRetryingUnavailable(_ key: String, _ value: [UInt8], through client: ChordClient) async throws {
    var attempt = 1
    while true {
        let failure: ChordClientError
        do {
            try await client.put(key, value)
            return
        } catch {
            failure = error
        }
        guard failure == .refused(.unavailable), attempt < 5 else { throw failure }
        attempt += 1
        try await Task.sleep(for: .milliseconds(200))
    }
}

extension Integration {
    /// Nodes with --data-dir: nothing acknowledged is lost to kill -9.
    @Suite(.serialized) struct Durability {
        @Test("a node killed at random instants during writes and compactions recovers every acknowledged write, 12 times")
        func killedDuringWritesAndCompactions() async throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chord-durable-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            let port = try #require(LocalCluster.freePort())
            let arguments = singleReplica + ["--stabilize", "0.2", "--data-dir", directory.path, "--compact-bytes", "4096"]
            let ledger = WriteLedger()
            var random = SeededRandom(seed: 0xD15C)
            var checked = 0
            for round in 0..<12 {
                let node = try NodeProcess.start(binary: ChordBinaries.url("chord-node"), listen: "127.0.0.1:\(port)",
                                                 arguments: arguments)
                defer { node.crash() }
                let client = try ChordClient(via: node.address, timeout: .seconds(5))
                defer { client.close() }
                // Everything acknowledged before the last kill is back.
                for (key, values) in ledger.allowed {
                    let read = try await client.get(key)
                    #expect(values.contains { $0 == read }, "round \(round): \(key) reads \(read.map { String(decoding: $0, as: UTF8.self) } ?? "nothing")")
                    ledger.settle(key, read)
                    checked += 1
                }
                // Writes (and, every ~70 of them, a compaction) until a kill at a random instant.
                let writer = Task {
                    var index = 0
                    while !Task.isCancelled {
                        let key = "durable-\(index % 150)"
                        let value = Array("round \(round) write \(index)".utf8)
                        ledger.begin(key, value)
                        do {
                            try await client.put(key, value)
                            ledger.acknowledged(key, value)
                        } catch {
                            return
                        }
                        index += 1
                    }
                }
                try await Task.sleep(for: .milliseconds(150 + random.nextInt(below: 450)))
                node.signalKill()
                writer.cancel()
                client.close()  // the put in flight fails now instead of timing out
                await writer.value
                node.crash()
            }
            #expect(checked > 500)
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            #expect(names.contains { $0.hasPrefix("snapshot-") }, "no compaction happened: \(names)")
        }

        @Test("a node whose disk has less free space than its reserve answers out of space, and keeps serving reads")
        func fullDiskAnswersOutOfSpace() async throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chord-full-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            let port = try #require(LocalCluster.freePort())
            // A reserve larger than any disk: the node counts its disk as full from the start.
            let node = try NodeProcess.start(binary: ChordBinaries.url("chord-node"), listen: "127.0.0.1:\(port)",
                                             arguments: singleReplica + ["--data-dir", directory.path, "--reserve-bytes", String(1 << 60)])
            defer { node.crash() }
            let client = try ChordClient(via: node.address, timeout: .seconds(5))
            defer { client.close() }
            await #expect(throws: ChordClientError.refused(.outOfSpace)) { try await client.put("too-much", Array("x".utf8)) }
            #expect(try await client.get("too-much") == nil)
        }

        @Test("a ring whose every node is killed at once comes back with every key")
        func wholeRingRestarts() async throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chord-ring-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            let cluster = LocalCluster(arguments: ["--stabilize", LocalCluster.testStabilize], seed: 0xFA11,
                                       clientTimeout: .seconds(5), dataDirectory: directory)
            defer { cluster.killAll() }
            for _ in 0..<4 { try await cluster.addJoined() }
            try await cluster.waitUntilExact()
            let entries = sampleEntries("full-restart", count: 120)
            let writer = cluster.randomNode()
            for (key, value) in entries {
                // A ring that has just formed may answer `unavailable` while replicas still learn
                // who precedes them; the protocol says to retry that (bounded here).
                try await putRetryingUnavailable(key, value, through: cluster.client(of: writer))
            }
            let addresses = cluster.members.map(\.address)
            cluster.crash(cluster.members)
            for address in addresses { try await cluster.addJoined(listen: address.description) }
            try await cluster.waitUntilExact()
            for node in cluster.members { try await expectAllReadBack(entries, through: cluster.client(of: node)) }
        }
    }
}

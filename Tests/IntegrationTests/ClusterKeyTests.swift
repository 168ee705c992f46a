import ChordClient
import ChordCore
import ChordWire
import ClusterSupport
import CommandLineSupport
import Foundation
import Testing

/// A fresh directory for one test's key files and logs, removed by the caller.
private func scratchDirectory() throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chord-key-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
}

extension Integration {
    /// `--cluster-key-file`: a keyed ring serves keyed clients; clients with no key, another
    /// key, or a key for a keyless node hear why at once; datagrams outside the replay window
    /// are dropped and counted.
    @Suite(.serialized) struct ClusterKeys {
        @Test("a ring with a cluster key forms and serves puts and gets, through the library and dht")
        func keyedRingServes() async throws {
            let directory = try scratchDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let key = try ClusterKeyFile.create(at: directory.appendingPathComponent("key").path)
            let cluster = try await LocalCluster.start(4, seed: 0xCE1, clusterKey: key)
            defer { cluster.killAll() }
            try await cluster.waitUntilExact()

            let writer = cluster.randomNode()
            for index in 0..<20 {
                try await cluster.client(of: writer).put("keyed-\(index)", Array("value \(index)".utf8))
            }
            for node in cluster.members where node !== writer {
                for index in 0..<20 {
                    #expect(try await cluster.client(of: node).get("keyed-\(index)") == Array("value \(index)".utf8))
                }
            }
            let via = cluster.members[0].address.description
            #expect(try await Tools.dht("--via", via, "--cluster-key-file", key.path, "put", "tool", "keyed").status == 0)
            let read = try await Tools.dht("--via", via, "--cluster-key-file", key.path, "get", "tool")
            #expect(read.status == 0 && read.output == "keyed", "\(read)")
            let ring = try await Tools.dht("--via", via, "--cluster-key-file", key.path, "ring")
            #expect(ring.status == 0, "\(ring)")
            let lookup = try await Tools.dhtlookup("--via", via, "--cluster-key-file", key.path, "tool")
            #expect(lookup.status == 0, "\(lookup)")
        }

        @Test("against a keyed ring, a client without a key or with another key is told so (dht in well under a second)")
        func wrongOrMissingKeyFailsFast() async throws {
            let directory = try scratchDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let key = try ClusterKeyFile.create(at: directory.appendingPathComponent("key").path)
            let other = try ClusterKeyFile.create(at: directory.appendingPathComponent("other").path)
            let cluster = try await LocalCluster.start(2, seed: 0xCE2, clusterKey: key)
            defer { cluster.killAll() }
            let node = cluster.members[0]

            for (clientKey, text) in [(nil, "the node requires a cluster key (--cluster-key-file)"),
                                      (other.key, "the cluster key does not match the node's")] as [(ClusterKey?, String)] {
                let client = try ChordClient(via: node.address, timeout: .seconds(5), clusterKey: clientKey)
                defer { client.close() }
                // The refusal, not the 5 s timeout (which would be `noAnswer`).
                for operation in ["get", "put", "info"] {
                    await #expect(throws: ChordClientError.authenticationFailed(text), "\(operation)") {
                        switch operation {
                        case "get": _ = try await client.get("k")
                        case "put": try await client.put("k", [1])
                        default: _ = try await client.info()
                        }
                    }
                }
                // The node answers one refusal a second to a source; the client applies it to
                // every request to that node for that second, and then asks again.
                try await Task.sleep(for: .milliseconds(1100))
                await #expect(throws: ChordClientError.authenticationFailed(text)) { _ = try await client.get("again") }
            }
            // The tools: exit status 5, the reason on standard error, in well under a second
            // (the process's own run time: typically a few milliseconds, against a 5 s timeout).
            let via = node.address.description
            let keyless = try await Tools.dht("--via", via, "get", "k")
            #expect(keyless.status == 5 && keyless.errors.contains("requires a cluster key"), "\(keyless)")
            let wrong = try await Tools.dht("--via", via, "--cluster-key-file", other.path, "info")
            #expect(wrong.status == 5 && wrong.errors.contains("does not match"), "\(wrong)")
            let lookup = try await Tools.dhtlookup("--via", via, "k")
            #expect(lookup.status == 5, "\(lookup)")
            for result in [keyless, wrong, lookup] {
                let runTime = try #require(result.runTime)
                #expect(runTime < .seconds(1), "ran \(runTime)")
            }
            // Nothing was written by the refused puts.
            #expect(try await cluster.client(of: node).get("k") == nil)
        }

        @Test("a client with a key against a keyless node is told the node has none")
        func keyAgainstKeylessNode() async throws {
            let directory = try scratchDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let key = try ClusterKeyFile.create(at: directory.appendingPathComponent("key").path)
            let cluster = try await LocalCluster.start(1, seed: 0xCE3)
            defer { cluster.killAll() }
            let node = cluster.members[0]
            let client = try ChordClient(via: node.address, timeout: .seconds(5), clusterKey: key.key)
            defer { client.close() }
            await #expect(throws: ChordClientError.authenticationFailed("the node has no cluster key; run without --cluster-key-file")) {
                _ = try await client.get("k")
            }
            let tool = try await Tools.dht("--via", node.address.description, "--cluster-key-file", key.path, "get", "k")
            #expect(tool.status == 5 && tool.errors.contains("no cluster key"), "\(tool)")
            #expect(try #require(tool.runTime) < .seconds(1))
        }

        /// A correctly tagged datagram from outside the ±30 s window is dropped (not acted on)
        /// and counted; the node answers it with a tagged refusal that names its own time.
        /// Inside the window (20 s off) the same request is served.
        @Test("a tagged datagram with a timestamp outside the window is dropped and counted")
        func staleDatagramsAreDropped() async throws {
            let directory = try scratchDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let key = try ClusterKeyFile.create(at: directory.appendingPathComponent("key").path)
            let logs = directory.appendingPathComponent("logs")
            let cluster = try await LocalCluster.start(1, seed: 0xCE4, clusterKey: key, logDirectory: logs)
            defer { cluster.killAll() }
            let node = cluster.members[0]
            let address = node.address

            struct Seen: Sendable {
                var staleAnswer: [UInt8]?
                var staleAfterAnswer: Envelope?
                var insideAnswer: Envelope?
            }
            let seen = try await offload { () throws -> Seen in
                var seen = Seen()
                let probe = try DatagramProbe(target: address)
                let now = DatagramProbe.now()
                // A put 31 s in the past, then one 60 s in the future: both dropped. The first
                // is answered (tagged, "authentication failed"); the second, in the same second,
                // is not.
                try probe.send(.put(key: Array("stale".utf8), value: [1]), requestID: 0x5A1E, cookie: 0, key: key.key,
                               unixMilliseconds: now - 31_000)
                seen.staleAnswer = try probe.receiveBytes()
                try probe.send(.put(key: Array("stale".utf8), value: [2]), requestID: 0x5A1F, cookie: 0, key: key.key,
                               unixMilliseconds: now + 60_000)
                seen.staleAfterAnswer = try probe.receive(timeoutMilliseconds: 300, key: key.key)
                // 20 s off is inside the window: served.
                let inside = try DatagramProbe(target: address)
                try inside.send(.put(key: Array("inside".utf8), value: [3]), requestID: 0x1A51, cookie: 0, key: key.key,
                                unixMilliseconds: DatagramProbe.now() - 20_000)
                seen.insideAnswer = try inside.receive(key: key.key)
                return seen
            }
            let staleAnswer = try #require(seen.staleAnswer, "the stale request was not answered")
            let (refusal, stamped) = try staleAnswer.withUnsafeBytes { try WireFormat.decodeIgnoringReplayWindow($0, key: key.key) }
            #expect(refusal == Envelope(requestID: 0x5A1E, sender: nil, message: .error(.authenticationFailed)))
            #expect(Int64(bitPattern: DatagramProbe.now() &- stamped).magnitude < 5_000, "the refusal carries the node's own time")
            #expect(seen.staleAfterAnswer == nil)
            let inside = try #require(seen.insideAnswer, "a request 20 s off was not answered")
            #expect(inside.requestID == 0x1A51 && inside.message == .result(status: .ok, value: nil), "\(inside)")

            let client = try cluster.client(of: node)
            #expect(try await client.get("stale") == nil, "a stale put was applied")
            #expect(try await client.get("inside") == [3])

            // The node counts them: its exit line says so.
            _ = await cluster.leave(node)
            let log = try String(contentsOf: logs.appendingPathComponent("node-1.log"), encoding: .utf8)
            #expect(log.contains("unauthenticated 0, stale 2, refusals sent 1"), "\(log.suffix(600))")
        }
    }
}

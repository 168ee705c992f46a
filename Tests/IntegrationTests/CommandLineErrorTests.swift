import ChordCore
import ChordNet
import ClusterSupport
import CommandLineSupport
import Foundation
import Testing

extension Integration {
    /// Every error path of dht, dhtlookup and chord-node ends with its documented exit status.
    @Suite(.serialized) struct CommandLineErrors {
        /// A port on 127.0.0.1 that nothing listens on (bound, then released).
        private func closedPort() throws -> UInt16 {
            try UDPSocket(binding: NodeAddress(ipv4: 0x7F00_0001, port: 0)).localAddress.port
        }

        @Test("no arguments or an unknown flag: usage on stderr, exit 2")
        func usageErrors() async throws {
            let cases: [(String, [String])] = [
                ("dht", []),
                ("dht", ["--bogus"]),
                ("dht", ["--via", "127.0.0.1:4000", "--bogus", "get", "k"]),
                ("dht", ["--via", "not-an-address", "get", "k"]),
                ("dht", ["--via", "127.0.0.1:4000", "--timeout", "0", "get", "k"]),
                ("dht", ["--via", "127.0.0.1:4000", "get"]),
                ("dht", ["--via", "127.0.0.1:4000", "put", "k"]),
                ("dhtlookup", []),
                ("dhtlookup", ["--bogus"]),
                ("dhtlookup", ["--via", "127.0.0.1:4000"]),
                ("dhtlookup", ["--via", "127.0.0.1:4000", "a", "b"]),
            ]
            for (tool, arguments) in cases {
                let result = try await Tools.run(tool, arguments)
                #expect(result.status == 2, "\(tool) \(arguments): \(result)")
                #expect(result.errors.contains("usage:"), "\(tool) \(arguments): \(result)")
                #expect(result.stdout.isEmpty, "\(tool) \(arguments): \(result)")
            }
        }

        @Test("a wildcard --listen without --advertise, a --join of the other family or an unknown host, a bad --join-timeout: a clear usage error")
        func listenAndJoinErrors() async throws {
            let cases: [([String], String)] = [
                (["--listen", "0.0.0.0:4999"], "give --advertise"),
                (["--listen", "[::]:4999"], "give --advertise"),
                (["--listen", "127.0.0.1:4999", "--advertise", "[::1]:4999"], "same family"),
                (["--listen", "127.0.0.1:4999", "--join", "[::1]:4000"], "only reachable over IPv6"),
                (["--listen", "127.0.0.1:4999", "--join", "nosuchhost.invalid:4000"], "cannot resolve 'nosuchhost.invalid'"),
                (["--listen", "127.0.0.1:4999", "--join-timeout", "5"], "--join-timeout needs --join"),
                (["--listen", "127.0.0.1:4999", "--join", "127.0.0.1:4000", "--join-timeout", "0"], "--join-timeout"),
            ]
            for (arguments, message) in cases {
                let result = try await Tools.run("chord-node", arguments)
                #expect(result.status == 2, "\(arguments): \(result)")
                #expect(result.errors.contains(message), "\(arguments): \(result)")
            }
        }

        @Test("--listen on a UDP port another socket holds: one line saying so on stderr, exit 3, no crash")
        func portInUse() async throws {
            let holder = try UDPSocket(binding: NodeAddress(ipv4: 0x7F00_0001, port: 0))
            let taken = holder.localAddress
            let result = try await Tools.run("chord-node", ["--listen", taken.description], timeout: .seconds(10))
            #expect(result.status == 3, "\(result)")
            #expect(result.stdout.isEmpty, "\(result)")
            let lines = result.errors.split(separator: "\n")
            #expect(lines.count == 1, "\(result)")
            #expect(result.errors.contains("cannot listen on \(taken): address already in use"), "\(result)")
            #expect(result.errors.contains("another process has UDP port \(taken.port)"), "\(result)")
            withExtendedLifetime(holder) {}  // held until the node has tried
        }

        @Test("--help: usage on stdout, exit 0")
        func help() async throws {
            for (tool, arguments) in [("dht", ["--help"]), ("dht", ["get", "--help"]), ("dhtlookup", ["--help"]),
                                      ("chord-node", ["--help"])] {
                let result = try await Tools.run(tool, arguments)
                #expect(result.status == 0, "\(tool) \(arguments): \(result)")
                #expect(result.output.contains("usage:"), "\(tool) \(arguments): \(result)")
            }
        }

        @Test("an unknown command: exit 2")
        func unknownCommand() async throws {
            let result = try await Tools.dht("--via", "127.0.0.1:4000", "frobnicate", "k")
            #expect(result.status == 2, "\(result)")
            #expect(result.errors.contains("unknown command"), "\(result)")
        }

        @Test("an empty key or a 1025-byte key: exit 2 (1024 bytes is accepted)")
        func invalidKeys() async throws {
            let cluster = try await LocalCluster.start(1, seed: 0xE1)
            defer { cluster.killAll() }
            let via = cluster.members[0].address.description
            let long = String(repeating: "k", count: StorageLimits.maximumKeyBytes + 1)
            for arguments in [["put", "", "v"], ["get", ""], ["remove", ""], ["put", long, "v"], ["get", long], ["remove", long]] {
                let result = try await Tools.run("dht", ["--via", via] + arguments)
                #expect(result.status == 2, "dht \(arguments.map { $0.prefix(20) }): \(result)")
            }
            for key in ["", long] {
                let result = try await Tools.dhtlookup("--via", via, key)
                #expect(result.status == 2, "dhtlookup key of \(key.utf8.count) bytes: \(result)")
            }
            let longest = String(repeating: "é", count: StorageLimits.maximumKeyBytes / 2)
            #expect(try await Tools.dht("--via", via, "put", longest, "fits").status == 0)
            let read = try await Tools.dht("--via", via, "get", longest)
            #expect(read.status == 0 && read.output == "fits", "\(read)")
            #expect(try await Tools.dht("--via", via, "put", "é" + longest, "v").status == 2, "1026 bytes of UTF-8")
        }

        @Test("a value of 64,001 bytes: exit 2 (64,000 is accepted)")
        func valueTooLarge() async throws {
            let cluster = try await LocalCluster.start(1, seed: 0xE2)
            defer { cluster.killAll() }
            let via = cluster.members[0].address.description
            let tooLarge = String(repeating: "v", count: StorageLimits.maximumValueBytes + 1)
            let argument = try await Tools.dht("--via", via, "put", "k", tooLarge)
            #expect(argument.status == 2, "\(argument)")
            let stdin = try await Tools.dht("--via", via, "put", "k", "-", stdin: Array(tooLarge.utf8))
            #expect(stdin.status == 2, "\(stdin)")
            #expect(try await Tools.dht("--via", via, "get", "k").status == 1, "nothing was stored")

            var random = SeededRandom(seed: 0xE2)
            let largest = (0..<StorageLimits.maximumValueBytes).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let stored = try await Tools.dht("--via", via, "put", "k", "-", stdin: largest)
            #expect(stored.status == 0, "\(stored)")
            let read = try await Tools.dht("--via", via, "get", "k")
            #expect(read.status == 0)
            #expect(read.stdout == largest, "get prints the raw value")
        }

        @Test("get and remove of a missing key: exit 1")
        func missingKey() async throws {
            let cluster = try await LocalCluster.start(1, seed: 0xE3)
            defer { cluster.killAll() }
            let via = cluster.members[0].address.description
            let get = try await Tools.dht("--via", via, "get", "missing")
            #expect(get.status == 1, "\(get)")
            #expect(get.stdout.isEmpty)
            let remove = try await Tools.dht("--via", via, "remove", "missing")
            #expect(remove.status == 1, "\(remove)")
            // And once written then removed, missing again.
            #expect(try await Tools.dht("--via", via, "put", "gone", "v").status == 0)
            #expect(try await Tools.dht("--via", via, "remove", "gone").status == 0)
            #expect(try await Tools.dht("--via", via, "get", "gone").status == 1)
            #expect(try await Tools.dht("--via", via, "remove", "gone").status == 1)
        }

        @Test("--via a port nobody listens on, --timeout 1: exit 3")
        func noAnswer() async throws {
            let via = "127.0.0.1:\(try closedPort())"
            let started = ContinuousClock.now
            for arguments in [["get", "k"], ["put", "k", "v"], ["remove", "k"], ["info"], ["ring"]] {
                let result = try await Tools.run("dht", ["--via", via, "--timeout", "1"] + arguments)
                #expect(result.status == 3, "dht \(arguments): \(result)")
            }
            let lookup = try await Tools.dhtlookup("--via", via, "--timeout", "1", "k")
            #expect(lookup.status == 3, "\(lookup)")
            #expect(ContinuousClock.now - started < .seconds(30))
        }

        @Test("out of space in a ring of one started --max-keys 1: exit 4, reason on stderr")
        func outOfSpace() async throws {
            let cluster = try await LocalCluster.start(1, seed: 0xE4, arguments: ["--max-keys", "1"])
            defer { cluster.killAll() }
            let via = cluster.members[0].address.description
            #expect(try await Tools.dht("--via", via, "put", "first", "1").status == 0)
            let second = try await Tools.dht("--via", via, "put", "second", "2")
            #expect(second.status == 4, "\(second)")
            #expect(second.errors.contains("out of space"), "\(second)")
            #expect(try await Tools.dht("--via", via, "get", "second").status == 1)
            let first = try await Tools.dht("--via", via, "get", "first")
            #expect(first.status == 0 && first.output == "1", "\(first)")
        }

        @Test("dhtlookup --id with a bad identifier: exit 2")
        func badIdentifier() async throws {
            let cluster = try await LocalCluster.start(1, seed: 0xE5)
            defer { cluster.killAll() }
            let via = cluster.members[0].address.description
            let good = Identifier.forKey("k").hex
            for id in ["xyz", String(good.dropLast()), good + "0", "g" + good.dropFirst(), ""] {
                let result = try await Tools.dhtlookup("--via", via, "--id", id)
                #expect(result.status == 2, "--id \(id): \(result)")
                #expect(result.errors.contains("usage:"), "--id \(id): \(result)")
            }
            let both = try await Tools.dhtlookup("--via", via, "--id", good, "k")
            #expect(both.status == 2, "\(both)")
            let valid = try await Tools.dhtlookup("--via", via, "--id", good)
            #expect(valid.status == 0, "\(valid)")
        }

        @Test("--cluster-key-file missing, unreadable, too short or too long: exit 2 with the reason, for every tool")
        func badClusterKeyFiles() async throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chord-keys-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let short = directory.appendingPathComponent("short").path
            _ = FileManager.default.createFile(atPath: short, contents: Data("0123456789abcde\n".utf8))  // 15 bytes
            let long = directory.appendingPathComponent("long").path
            _ = FileManager.default.createFile(atPath: long, contents: Data(repeating: 0x61, count: 5000))
            let cases: [(path: String, reason: String)] = [
                (directory.appendingPathComponent("missing").path, "No such file"),
                (directory.path, "Is a directory"),  // opens, but cannot be read
                (short, "at least 16 bytes"),
                (long, "at most 4096 bytes"),
            ]
            let via = "127.0.0.1:\(try closedPort())"
            for (path, reason) in cases {
                let runs: [(String, [String])] = [
                    ("dht", ["--via", via, "--cluster-key-file", path, "get", "k"]),
                    ("dhtlookup", ["--via", via, "--cluster-key-file", path, "k"]),
                    ("chord-node", ["--listen", "127.0.0.1:0", "--cluster-key-file", path]),
                ]
                for (tool, arguments) in runs {
                    let result = try await Tools.run(tool, arguments, timeout: .seconds(10))
                    #expect(result.status == 2, "\(tool) \(arguments): \(result)")
                    #expect(result.errors.contains("--cluster-key-file"), "\(tool) \(arguments): \(result)")
                    #expect(result.errors.contains(reason), "\(tool) \(arguments): \(result)")
                    #expect(result.stdout.isEmpty, "\(tool) \(arguments): \(result)")
                }
            }
            // 16 bytes and a newline is a key.
            let shortest = directory.appendingPathComponent("shortest").path
            _ = FileManager.default.createFile(atPath: shortest, contents: Data("0123456789abcdef\n".utf8))
            let accepted = try await Tools.run("dht", ["--via", via, "--timeout", "0.2", "--cluster-key-file", shortest, "get", "k"])
            #expect(accepted.status == 3, "a valid key file, nobody listening: \(accepted)")
        }

        @Test("a cluster key the node does not share: exit 5, the reason on stderr")
        func authenticationFailed() async throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chord-keys-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let key = try ClusterKeyFile.create(at: directory.appendingPathComponent("key").path)
            let cluster = try await LocalCluster.start(1, seed: 0xE6)
            defer { cluster.killAll() }
            let via = cluster.members[0].address.description
            for arguments in [["get", "k"], ["put", "k", "v"], ["remove", "k"], ["info"], ["ring"]] {
                let result = try await Tools.run("dht", ["--via", via, "--cluster-key-file", key.path] + arguments)
                #expect(result.status == 5, "dht \(arguments): \(result)")
                #expect(result.errors.contains("the node has no cluster key"), "dht \(arguments): \(result)")
            }
            let lookup = try await Tools.dhtlookup("--via", via, "--cluster-key-file", key.path, "k")
            #expect(lookup.status == 5, "\(lookup)")
        }

        @Test("chord-node with a bad flag or without --listen: exit 2")
        func nodeUsageErrors() async throws {
            let cases: [[String]] = [
                ["--bogus"],
                ["--listen", "127.0.0.1:0", "--bogus"],
                [],
                ["--stabilize", "0.2"],
                ["--listen", "127.0.0.1:0", "--replicas", "2", "--write-quorum", "3"],
                ["--listen", "127.0.0.1:0", "--stabilize", "zero"],
                ["--listen", "127.0.0.1:0", "extra"],
            ]
            for arguments in cases {
                let result = try await Tools.run("chord-node", arguments, timeout: .seconds(10))
                #expect(result.status == 2, "chord-node \(arguments): \(result)")
                #expect(result.errors.contains("usage:"), "chord-node \(arguments): \(result)")
                #expect(result.stdout.isEmpty, "chord-node \(arguments): \(result)")
            }
        }
    }
}

import ChordClient
import ChordCore
import ClusterSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Why the multi-host tests cannot run here (nil: they can): they need root and network
/// namespaces. Said once, visibly, by the disabled tests' comment.
private let bedUnavailable = NetworkBed.unavailableReason

extension Integration {
    /// Rings across network namespaces ("hosts" with their own addresses, joined by a bridge):
    /// what a ring across machines does, on one machine.
    @Suite(.serialized, .disabled(if: bedUnavailable != nil,
                                  Comment(rawValue: "SKIPPED multi-host tests: \(bedUnavailable ?? "")")))
    struct MultiHost {
        @Test("8 hosts with 2 nodes each: one exact ring; a put in one host reads in every other; dhtlookup shows hops on other hosts")
        func eightHosts() async throws {
            let bed = try NetworkBed.make(hosts: 8)
            defer { bed.remove() }
            let cluster = LocalCluster(arguments: ["--stabilize", LocalCluster.testStabilize], seed: 0x8_0517,
                                       clientTimeout: .seconds(5), bed: bed)
            defer { cluster.killAll() }
            for _ in 0..<16 { try await cluster.addJoined() }  // host 1, 2, ..., 8, 1, 2, ...; each through a random member
            #expect(Set(cluster.members.compactMap { $0.host?.number }) == Set(1...8))
            try await cluster.waitUntilExact(timeout: .seconds(60))

            // A client inside host 1 writes through host 1's node; clients inside every other
            // host read through theirs.
            let first = try #require(cluster.members.first { $0.host?.number == 1 })
            let entries = sampleEntries("hosts", count: 30)
            let writer = try bed.inHost(bed.hosts[0]) { try cluster.makeClient(via: first.address) }
            defer { writer.close() }
            for (key, value) in entries { try await writer.put(key, value) }
            for node in cluster.members where node.host?.number != 1 {
                let host = try #require(node.host)
                let reader = try bed.inHost(host) { try cluster.makeClient(via: node.address) }
                defer { reader.close() }
                try await expectAllReadBack(entries, through: reader)
            }

            // dhtlookup run inside host 1: its hops are on other hosts' addresses.
            var otherHosts: Set<String> = []
            for (key, _) in entries.prefix(10) {
                let result = try await Tools.run("dhtlookup", ["--via", first.address.description, "--json", key],
                                                 launcher: bed.launcher(for: bed.hosts[0]))
                try #require(result.status == 0, "\(result)")
                let trace = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout)) as? [String: Any])
                let hops = try #require(trace["hops"] as? [[String: Any]])
                for hop in hops {
                    let address = try #require(hop["address"] as? String)
                    if !address.hasPrefix(bed.hosts[0].ipv4 + ":") { otherHosts.insert(address) }
                }
            }
            #expect(otherHosts.count >= 2, "hops on other hosts: \(otherHosts.sorted())")
            #expect(otherHosts.allSatisfy { address in bed.hosts.dropFirst().contains { address.hasPrefix($0.ipv4 + ":") } })
        }

        @Test("nodes bound to 0.0.0.0 advertising their host's address form one exact ring across 4 hosts")
        func wildcardIPv4() async throws {
            try await ringOnFourHosts(seed: 0x0_0000, prefix: "wild4") { host, port, _ in
                ("0.0.0.0:\(port)", ["--advertise", host.address(port: port)])
            } check: { members in
                #expect(members.allSatisfy { node in node.address.description == node.host?.address(port: Int(node.address.port)) })
            }
        }

        @Test("an IPv6-only ring of 8 nodes on 4 hosts, half bound to [::] advertising their host's IPv6 address")
        func ipv6Only() async throws {
            try await ringOnFourHosts(seed: 0x1F6_0008, prefix: "six") { host, port, index in
                let advertised = host.address(port: port, ipv6: true)
                return index % 2 == 0 ? (advertised, []) : ("[::]:\(port)", ["--advertise", advertised])
            } check: { members in
                #expect(members.allSatisfy { $0.address.family == .ipv6 })
            }
        }

        @Test("a bed removes every namespace, link and process it made")
        func bedCleansUp() async throws {
            let bed = try NetworkBed.make(hosts: 2)
            let cluster = LocalCluster(arguments: ["--stabilize", LocalCluster.testStabilize], seed: 0xC1EA, bed: bed)
            let node = try await cluster.addJoined()
            // Not stopped through the cluster: removing the bed must kill it, by its PID.
            bed.remove()
            #expect(node.waitForExit(timeout: .seconds(5)) != nil)
            let remnants = NetworkBed.remnants(named: bed.name)
            #expect(remnants.namespaces.isEmpty && remnants.links.isEmpty, "left behind: \(remnants)")
            cluster.killAll()
        }

        @Test("chord-ring --hosts 2 serves a ring across two hosts, and Ctrl-C stops every node and removes the test bed")
        func chordRingOnHosts() async throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chord-ring-hosts-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let outputFile = directory.appendingPathComponent("stdout")
            _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
            let process = Process()
            process.executableURL = ChordBinaries.url("chord-ring")
            process.arguments = ["--hosts", "2", "--nodes", "4"]
            let output = try FileHandle(forWritingTo: outputFile)
            defer { try? output.close() }
            process.standardOutput = output
            process.standardError = output
            let watcher = ExitWatcher(process)
            try process.run()
            var stopped = false
            defer { if !stopped { kill(process.processIdentifier, SIGKILL) } }
            func printed() -> String { (try? String(contentsOf: outputFile, encoding: .utf8)) ?? "" }
            // chord-ring prints the addresses, then the example commands, once every node serves.
            let ready = await poll(timeout: .seconds(30), interval: .milliseconds(100)) { printed().contains("Press Ctrl-C") ? true : nil }
            try #require(ready == true, "chord-ring did not come up: \(printed())")
            let nodeLines = printed().split(separator: "\n").filter { $0.hasPrefix("node ") }
            #expect(nodeLines.count == 4)
            #expect(nodeLines.filter { $0.hasSuffix("host ring-h1") }.count == 2)
            // "node 1: 10.211.X.11:4000  id ...  pid ...  host ring-h1"
            let first = try #require(nodeLines.first.map { String($0.split(separator: " ")[2]) })
            let last = try #require(nodeLines.last.map { String($0.split(separator: " ")[2]) })
            let inHost1 = (URL(fileURLWithPath: "/usr/bin/env"), ["ip", "netns", "exec", "ring-h1"])
            let inHost2 = (URL(fileURLWithPath: "/usr/bin/env"), ["ip", "netns", "exec", "ring-h2"])
            let put = try await Tools.run("dht", ["--via", first, "put", "across", "hosts"], launcher: inHost1)
            #expect(put.status == 0, "\(put)")
            let get = try await Tools.run("dht", ["--via", last, "get", "across"], launcher: inHost2)
            #expect(get.status == 0 && get.output.trimmingCharacters(in: .whitespacesAndNewlines) == "hosts", "\(get)")
            let pids = nodeLines.compactMap { line in line.split(separator: " ").firstIndex(of: "pid").flatMap { Int32(line.split(separator: " ")[$0 + 1]) } }
            #expect(pids.count == 4)

            kill(process.processIdentifier, SIGINT)
            let status = await watcher.wait(timeout: .seconds(40))
            stopped = status != nil
            #expect(status == 0, "chord-ring: \(printed())")
            #expect(pids.allSatisfy { kill($0, 0) != 0 }, "a node outlived chord-ring")
            let remnants = NetworkBed.remnants(named: "ring")
            #expect(remnants.namespaces.isEmpty && remnants.links.isEmpty, "left behind: \(remnants)")
        }

        /// 8 nodes on a bed of 4 hosts, node i on host i mod 4 with port 4000 + i / 4, started
        /// with the listen address and extra arguments `start(host, port, i)` gives; `check`
        /// looks at the members; then the ring must be exact and serve every host.
        private func ringOnFourHosts(seed: UInt64, prefix: String,
                                     start: (NetworkBed.Host, Int, Int) -> (listen: String, arguments: [String]),
                                     check: ([NodeProcess]) -> Void) async throws {
            let bed = try NetworkBed.make(hosts: 4)
            defer { bed.remove() }
            let cluster = LocalCluster(arguments: ["--stabilize", LocalCluster.testStabilize], seed: seed,
                                       clientTimeout: .seconds(5), bed: bed)
            defer { cluster.killAll() }
            for index in 0..<8 {
                let host = bed.hosts[index % 4], port = 4000 + index / 4
                let (listen, arguments) = start(host, port, index)
                try await cluster.addJoined(listen: listen, extraArguments: arguments, host: host)
            }
            check(cluster.members)
            try await cluster.waitUntilExact(timeout: .seconds(60))
            try await expectRingServes(cluster, bed: bed, prefix: prefix)
        }

        /// Puts through a client inside one host, reads back through every member from inside
        /// its own host.
        private func expectRingServes(_ cluster: LocalCluster, bed: NetworkBed, prefix: String) async throws {
            let entries = sampleEntries(prefix, count: 30)
            let first = cluster.members[0]
            let writer = try bed.inHost(try #require(first.host)) { try cluster.makeClient(via: first.address) }
            defer { writer.close() }
            for (key, value) in entries { try await writer.put(key, value) }
            for node in cluster.members {
                let reader = try bed.inHost(try #require(node.host)) { try cluster.makeClient(via: node.address) }
                defer { reader.close() }
                try await expectAllReadBack(entries, through: reader)
            }
        }
    }
}

import ChordCore
import ChordNet
import ClusterSupport
import Testing

extension Integration {
    /// A node that cannot join says why on standard error while it keeps trying, and gives up
    /// with exit status 4 after --join-timeout.
    @Suite(.serialized) struct Reachability {
        @Test("a join target nobody answers at: after 5 s one line naming it and the likely causes; --join-timeout 7: exit 4")
        func unreachableJoinTarget() async throws {
            let target = "127.0.0.1:\(try #require(LocalCluster.freePort()))"
            let result = try await Tools.run("chord-node", ["--listen", "127.0.0.1:0", "--join", target, "--join-timeout", "7"],
                                             timeout: .seconds(30))
            #expect(result.status == 4, "\(result)")
            let lines = result.errors.split(separator: "\n")
            let stalls = lines.filter { $0.contains("not joined after") }
            #expect(stalls.count == 1, "reported once in 7 s (the next report is due at 15 s): \(result.errors)")
            let stall = try #require(stalls.first)
            #expect(stall.contains("not joined after 5 s: no answer from \(target)"), "\(stall)")
            #expect(stall.contains("Is a chord-node running there") && stall.contains("firewall must let UDP through"), "\(stall)")
            #expect(stall.contains("Still trying"), "\(stall)")
            #expect(lines.contains { $0.contains("gave up joining through \(target) after 7 s") }, "\(result.errors)")
            #expect(!result.errors.contains("failed; retrying"), "single failed attempts are debug detail")
        }

        @Test("--advertise not this host's: a warning at start, then 'the join target answers, but drops every request naming it'")
        func advertisedAddressNotThisHosts() async throws {
            let advertisedHost = NodeAddress(ipv4: 0x0A63_6363, port: 0)  // 10.99.99.99
            try #require(LocalAddresses.contains(advertisedHost) == false, "10.99.99.99 must not be an address of this host")
            let member = try NodeProcess.start(binary: ChordBinaries.url("chord-node"), arguments: ["--stabilize", "0.2"])
            defer { member.crash() }
            let port = try #require(LocalCluster.freePort())
            let advertised = "10.99.99.99:\(port)"
            // Bound to 0.0.0.0, the node's datagrams to the member leave from 127.0.0.1.
            let result = try await Tools.run("chord-node", ["--listen", "0.0.0.0:\(port)", "--advertise", advertised,
                                                            "--join", member.address.description, "--join-timeout", "7"],
                                             timeout: .seconds(30))
            #expect(result.status == 4, "\(result)")
            #expect(result.errors.contains("--advertise \(advertised): 10.99.99.99 is not an address of this host"), "\(result)")
            #expect(result.errors.contains("peers will drop this node's datagrams unless they arrive from 10.99.99.99"), "\(result)")
            let stall = try #require(result.errors.split(separator: "\n").first { $0.contains("not joined after") })
            #expect(stall.contains("the join target \(member.address) answers, but drops every request that names this node "
                                   + advertised), "\(stall)")
            #expect(stall.contains("Is --advertise \(advertised) an address of this host that peers can reach?"), "\(stall)")
            #expect(member.isRunning)
        }

        @Test("--advertise one of this host's addresses: no warning")
        func advertisedAddressOfThisHost() async throws {
            let port = try #require(LocalCluster.freePort())
            let target = "127.0.0.1:\(try #require(LocalCluster.freePort()))"
            let result = try await Tools.run("chord-node", ["--listen", "0.0.0.0:\(port)", "--advertise", "127.0.0.1:\(port)",
                                                            "--join", target, "--join-timeout", "0.5"], timeout: .seconds(20))
            #expect(result.status == 4, "\(result)")
            #expect(!result.errors.contains("is not an address of this host"), "\(result)")
            #expect(!result.errors.contains("peers will drop"), "\(result)")
        }
    }
}

import ChordClient
import ChordCore
import CommandLineSupport
import Foundation
import ToolSupport

extension Harness {
    /// Runs the scenario the settings name and reports what it measured.
    func run() async -> ChurnReport {
        var report = ChurnReport(settings: settings)
        do {
            switch settings.scenario {
            case .churn: try await runChurn(into: &report)
            case .killTwoReplicas: try await runKillTwoReplicas(into: &report)
            case .fullRestart: try await runFullRestart(into: &report)
            case .partition: try await runPartition(into: &report)
            }
        } catch {
            report.failure = "\(error)"
            events.note("failed: \(error)")
        }
        let totals = metrics.totals
        report.during = totals.during
        report.outside = totals.outside
        report.kills = metrics.kills
        report.restarts = metrics.restarts
        report.sides = metrics.sides
        return report
    }

    /// Load, warm-up, then the workload under kills and restarts for the duration; then the
    /// ring's recovery and the read-back.
    func runChurn(into report: inout ChurnReport) async throws {
        try await startLoadAndWarmUp()
        let start = ContinuousClock.now
        let end = start + settings.duration
        async let operations: Void = workload.run(until: end)
        var random = SeededRandom(seed: settings.seed &+ 3)
        await churner.run(from: start, until: end, random: &random)
        try? await Task.sleep(until: end, clock: .continuous)  // the churn phase's end (the schedule may stop early)
        let stopped = ContinuousClock.now
        await settle(since: stopped, into: &report)  // while the last operations drain
        await operations
        await verifyKeys(into: &report)
    }

    /// Starts the ring, writes every key, runs the workload for the warm-up, and enters the
    /// churn phase.
    private func startLoadAndWarmUp() async throws {
        try await startRing()
        enter(.load)
        await workload.load()
        enter(.warmup)
        await workload.run(until: .now + settings.warmup)
        enter(.churn)
    }

    /// Load, then SIGKILL a key's owner and its first successor at the same instant (no
    /// restart); then the ring's recovery and the read-back of every key.
    func runKillTwoReplicas(into report: inout ChurnReport) async throws {
        try await startRing()
        enter(.load)
        await workload.load()
        let loaded = metrics.totals.outside
        report.details.append(("load_failures", String(loaded.failed), "\(loaded.failed) of \(loaded.ops) puts"))
        var random = SeededRandom(seed: settings.seed &+ 4)
        let key = KeyLedger.name(random.nextInt(below: settings.keys))
        guard let via = membership.randomNode() else { throw HarnessError("no live node") }
        let trace = try await via.client.lookup(key: key)
        guard trace.status == .ok, let owner = trace.owner, let successor = trace.successors.first else {
            throw HarnessError("lookup of \(key) failed: \(trace.status), owner \(String(describing: trace.owner)), "
                + "\(trace.successors.count) successors")
        }
        let live = membership.live
        guard let first = live.first(where: { $0.process.id == owner.id }),
              let second = live.first(where: { $0.process.id == successor.id }), first !== second else {
            throw HarnessError("owner \(owner) or successor \(successor) of \(key) is not a distinct live node")
        }
        let exposed = keysReplicatedOnlyOn(ExactRing(live.map(\.process.peer)), alsoOn: [first.process.id, second.process.id])
        report.details.append(("keys_with_one_copy_left", String(exposed),
                               "\(exposed) (their R replicas included both killed nodes)"))
        enter(.churn)
        for node in [first, second] { membership.remove(node) }
        let killed = cluster.crash([first.process, second.process])  // both SIGKILLed at the same instant, then reaped
        for node in [first, second] {
            node.client.close()
            metrics.countKill()
            events.note("killed \(node.process.address) id \(node.process.id.shortHex()) pid \(node.process.pid)")
        }
        let text = "\(key): owner \(owner), first successor \(successor)"
        report.details.append(("killed", JSONText.object([
            ("key", JSONText.string(key)), ("owner", JSONText.string(owner.description)),
            ("successor", JSONText.string(successor.description)),
        ]), text))
        await settle(since: killed, into: &report)
        if settings.dataDirectory != nil {
            // With their disks, both come back on their addresses with their keys.
            for node in [first, second] {
                try await churner.startNode(listen: node.process.address.description, host: node.process.host)
                metrics.countRestart()
            }
            let restarted = ContinuousClock.now
            events.note("restarted both with their data directories")
            await settle(since: restarted, into: &report)
        }
        await verifyKeys(into: &report)
    }

    /// Load and warm-up, then with the workload running SIGKILL every node at the same
    /// instant, restart them all on their addresses with their data directories, and measure
    /// how long the ring takes to be exact and every key to read back its last acknowledged
    /// value (full service).
    func runFullRestart(into report: inout ChurnReport) async throws {
        try await startLoadAndWarmUp()
        let killAt = ContinuousClock.now + .seconds(2)
        // The workload keeps writing up to the kill and a little after (those fail: no node).
        async let operations: Void = workload.run(until: killAt + .milliseconds(500))
        try? await Task.sleep(until: killAt, clock: .continuous)
        let victims = membership.live
        for node in victims { membership.remove(node) }
        let killed = cluster.crash(victims.map(\.process))
        for node in victims {
            node.client.close()
            metrics.countKill()
        }
        events.note("killed all \(victims.count) nodes at once")
        await operations
        let restartStart = ContinuousClock.now
        // The first creates a ring again, the others join it: each recovers its store first.
        for node in victims {
            try await churner.startNode(listen: node.process.address.description, host: node.process.host)
            metrics.countRestart()
        }
        let restarted = ContinuousClock.now
        events.note("restarted all \(victims.count) nodes in \(secondsText(restarted - restartStart)) s")
        report.details.append(("restart_s", JSONText.number(seconds(restarted - restartStart)),
                               secondsText(restarted - restartStart) + " s to start every node again (each recovers its store first)"))
        await settle(since: restartStart, into: &report)
        await verifyKeys(into: &report)
        if let exact = report.exactAfter, let repair = report.repairAfter {
            let full = exact + repair
            report.details.append(("full_service_after_s", JSONText.number(seconds(full)),
                                   secondsText(full) + " s from the first restart (\(secondsText(ContinuousClock.now - killed)) s since the kill, read-back included)"))
        }
    }

    /// Load and warm-up, then with the workload running cut a minority of the test bed's
    /// hosts off (their links down) for the partition's length, heal, keep the workload going
    /// for 5 s more; then the ring's recovery (timed from the heal) and the read-back. Every
    /// operation during the cut is counted by the side of the node it went through.
    func runPartition(into report: inout ChurnReport) async throws {
        guard let bed else { throw HarnessError("the partition scenario needs --hosts") }
        try await startLoadAndWarmUp()
        var random = SeededRandom(seed: settings.seed &+ 5)
        var order = bed.hosts
        for index in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(index, random.nextInt(below: index + 1)) }
        let cut = order.prefix(settings.partitionHosts).sorted { $0.number < $1.number }
        let cutNodes = membership.live.filter { node in cut.contains { $0.number == node.process.host?.number } }
        let cutAt = ContinuousClock.now
        let healAt = cutAt + settings.partitionFor
        async let operations: Void = workload.run(until: healAt + .seconds(5))
        metrics.setCut(Set(cut.map(\.number)))
        try bed.cut(cut)
        let names = cut.map(\.namespace).joined(separator: ", ")
        events.note("cut off \(cut.count) of \(bed.hosts.count) hosts (\(names)) with \(cutNodes.count) of \(membership.count) nodes")
        report.details.append(("partition", JSONText.object([
            ("hosts_cut", JSONText.array(cut.map { JSONText.string($0.namespace) })),
            ("nodes_cut", String(cutNodes.count)), ("hosts", String(bed.hosts.count)), ("nodes", String(membership.count)),
            ("seconds", JSONText.number(seconds(settings.partitionFor))),
        ]), "\(cut.count) of \(bed.hosts.count) hosts cut off (\(names)), \(cutNodes.count) of \(membership.count) nodes, "
            + "for \(secondsText(settings.partitionFor)) s"))
        try? await Task.sleep(until: healAt, clock: .continuous)  // the partition's length
        try bed.heal(cut)
        metrics.setCut(nil)
        let healed = ContinuousClock.now
        events.note("healed")
        await settle(since: healed, into: &report)
        await operations
        await verifyKeys(into: &report)
    }

    /// How many keys have every one of `killed` among their R replicas (the owner and its
    /// next R − 1 members) on `ring`.
    private func keysReplicatedOnlyOn(_ ring: ExactRing, alsoOn killed: [Identifier]) -> Int {
        var count = 0
        for key in 0..<settings.keys {
            guard let owner = ring.ownerPosition(of: Identifier.forKey(KeyLedger.name(key))) else { continue }
            let replicas = Set(([ring.members[owner]] + ring.successors(of: owner, count: settings.replicas - 1)).map(\.id))
            if killed.allSatisfy(replicas.contains) { count += 1 }
        }
        return count
    }
}

import ChordCore
import ToolSupport

/// The `store` scenario: a key-value workload (puts, overwrites, gets, removes; one writer
/// per key) over a settled ring, optionally under churn; then churn stops, the ring settles,
/// every key is read back against its acknowledged history, and the replica count of every
/// key is checked against R.
extension Scenario {
    static func storeWorkload(_ simulation: Simulation, _ settings: ScenarioSettings, _ report: inout ScenarioReport)
        throws(InvariantViolation) {
        try buildSettledRing(simulation, settings, &report, before: "the workload")
        try simulation.run(for: Nanos.seconds(10))
        let workload = KeyValueWorkload(keyCount: settings.keys, seed: simulation.scenarioRandom.next())
        simulation.workload = workload
        workload.debug = simulation.debugOutput
        if simulation.debugOutput {
            workload.onWrongRead = { [unowned simulation] key in print(simulation.describeHolders(of: key)) }
        }
        let perNodeRate = settings.churn ? 0.693_147_180_559_945_3 / seconds(settings.medianSession) : 0
        let start = simulation.now
        let end = start + settings.duration
        let gap = max(Int64(1e9 / max(settings.operationRate, 1)), 1)
        var crashes = 0
        var nextFailure = perNodeRate > 0
            ? start + exponential(&simulation.scenarioRandom, rate: perNodeRate * Double(settings.nodes)) : Instant(nanoseconds: .max)
        while simulation.now < end {
            workload.issue(on: simulation)
            try simulation.run(until: min(end, simulation.now + gap))
            if simulation.now >= nextFailure && simulation.now < end {
                crashAndReplace(simulation)
                crashes += 1
                nextFailure = simulation.now + exponential(&simulation.scenarioRandom,
                                                           rate: perNodeRate * Double(simulation.liveIndices.count))
            }
        }
        // Let the last operations finish, then measure how fast every key is back to R replicas.
        try simulation.run(for: simulation.nodeConfig.clientRequestDeadline + Nanos.seconds(1))
        let exactAfter = try runUntilExact(simulation, limit: end + settings.convergenceLimit)
        var replicatedAt: Instant?
        while simulation.now < end + settings.convergenceLimit {
            if simulation.replicaShortfall(keys: settings.keys, workload: workload) == 0 {
                replicatedAt = simulation.now
                break
            }
            try simulation.run(for: Nanos.milliseconds(500))
        }
        let shortfall = simulation.replicaShortfall(keys: settings.keys, workload: workload)
        let verification = try workload.verifyAll(on: simulation, timeout: Nanos.seconds(30))
        let stats = workload.statistics
        let latencies = stats.latencies.sorted()
        report.add("nodes", .int(settings.nodes))
        report.add("keys", .int(settings.keys))
        report.add("duration_s", .number(seconds(settings.duration)))
        report.add("crashes", .int(crashes))
        report.add("operations", .int(stats.issued))
        report.add("puts_acknowledged", .int(stats.putsAcknowledged))
        report.add("removes_acknowledged", .int(stats.removesAcknowledged))
        report.add("reads_correct", .int(stats.readsCorrect))
        report.add("reads_wrong", .int(stats.readsWrong))
        report.add("failed", .int(stats.failed))
        report.add("lost_with_coordinator", .int(stats.lostWithCoordinator))
        report.add("success_pct", .number(percent(stats.putsAcknowledged + stats.removesAcknowledged + stats.readsCorrect,
                                                  of: stats.issued - stats.lostWithCoordinator)))
        report.add("latency_p50_ms", .number(Double(percentile(latencies, 0.5)) / 1e6))
        report.add("latency_p99_ms", .number(Double(percentile(latencies, 0.99)) / 1e6))
        report.add("exact_after_s", exactAfter.map { .number(seconds($0 - end)) } ?? .text("not within limit"))
        report.add("replicated_after_s", replicatedAt.map { .number(seconds($0 - end)) } ?? .text("not within limit"))
        report.add("keys_short_of_replicas", .int(shortfall))
        report.add("verified_keys", .int(verification.correct))
        report.add("lost_writes", .int(verification.lost))
        report.add("unanswered_reads", .int(verification.unanswered))
        for example in verification.examples { report.add("lost_example", .text(example)) }
        report.require(verification.lost == 0, "\(verification.lost) keys lost an acknowledged write")
        report.require(stats.readsWrong == 0, "\(stats.readsWrong) reads returned a value the key could not hold")
        report.require(verification.unanswered == 0, "\(verification.unanswered) final reads went unanswered")
        report.require(exactAfter != nil, "ring not exact after the workload: \(simulation.exactness())")
        report.require(replicatedAt != nil, "\(shortfall) keys short of R replicas \(seconds(settings.convergenceLimit)) s after churn")
    }
}

extension Simulation {
    /// Who holds which version of a workload key, and who should (debugging).
    func describeHolders(of key: Int) -> String {
        let id = Identifier.forKey(bytes: KeyValueWorkload.keyBytes(key))
        var lines = ["  key k\(key) id \(id.shortHex())"]
        let entries = members.entries
        var position = members.lowerBound(id)
        for rank in 0..<min(5, entries.count) {
            if position == entries.count { position = 0 }
            let host = entries[position].host
            if let core = cores[host] {
                lines.append("  true #\(rank) h\(host) \(core.me) pred=\(core.predecessor?.description ?? "-") holds \(core.store.version(id).map(String.init(describing:)) ?? "-") succ=\(core.successors.prefix(3).map(\.description))")
            }
            position += 1
        }
        for (host, core) in cores.enumerated() {
            guard let core, let version = core.store.version(id) else { continue }
            lines.append("  holder h\(host) \(core.me) version \(version) pred=\(core.predecessor?.description ?? "-") owns=\(core.owns(id))")
        }
        return lines.joined(separator: "\n")
    }

    /// How many written keys are not held, in their newest version, by all R of their
    /// designated replicas (the owner and its next R − 1 live members).
    func replicaShortfall(keys: Int, workload: KeyValueWorkload) -> Int {
        let entries = members.entries
        guard !entries.isEmpty else { return 0 }
        let replicas = min(nodeConfig.replicas, entries.count)
        var short = 0
        for key in 0..<keys {
            let bytes = KeyValueWorkload.keyBytes(key)
            let id = Identifier.forKey(bytes: bytes)
            var newest: Version?
            var holders: [Version?] = []
            var position = members.lowerBound(id)
            for _ in 0..<replicas {
                if position == entries.count { position = 0 }
                let version = cores[entries[position].host]?.store.item(id)?.version
                holders.append(version)
                if let version, version > (newest ?? .zero) { newest = version }
                position += 1
            }
            guard let newest else { continue }  // never written anywhere in the replica set
            if holders.contains(where: { $0 != newest }) { short += 1 }
        }
        return short
    }
}

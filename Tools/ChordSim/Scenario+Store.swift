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
        var outageCount = 0
        var restarts = Restarts()
        var nextFailure = perNodeRate > 0
            ? start + exponential(&simulation.scenarioRandom, rate: perNodeRate * Double(settings.nodes)) : Instant(nanoseconds: .max)
        var nextOutage = settings.outageEvery.map { start + $0 } ?? Instant(nanoseconds: .max)
        // A partition over the middle half of the workload, if asked for.
        var splitAt = settings.split.map { _ in start + settings.duration / 4 }
        var healAt = settings.split.map { _ in start + settings.duration * 3 / 4 }
        var split = false
        workload.acrossPartition = settings.split == nil ? nil : { split }
        if settings.outageEvery != nil {
            workload.isKnowable = { [unowned simulation] key, allowed in
                simulation.someLiveMemberHolds(KeyValueWorkload.keyBytes(key), oneOf: allowed)
            }
        }
        while simulation.now < end {
            workload.issue(on: simulation)
            try simulation.run(until: min(end, simulation.now + gap))
            restarts.startDue(simulation)
            if simulation.now >= nextFailure && simulation.now < end {
                if settings.disks {
                    // The host comes back with its disk after the downtime.
                    let live = simulation.liveIndices
                    let victim = live[simulation.scenarioRandom.nextInt(below: live.count)]
                    simulation.crash(victim)
                    restarts.add(victim, at: simulation.now + settings.downtime)
                    restarts.startDue(simulation)
                } else {
                    crashAndReplace(simulation)
                }
                crashes += 1
                nextFailure = simulation.now + exponential(&simulation.scenarioRandom,
                                                           rate: perNodeRate * Double(simulation.liveIndices.count))
            }
            if let at = splitAt, simulation.now >= at, let fraction = settings.split {
                // The minority side: a random fraction of the hosts (at least one).
                var order = Array(simulation.hosts.indices)
                for index in stride(from: order.count - 1, to: 0, by: -1) {
                    order.swapAt(index, simulation.scenarioRandom.nextInt(below: index + 1))
                }
                let minority = Set(order.prefix(max(1, Int(Double(order.count) * fraction))))
                simulation.partition { minority.contains($0) ? 1 : 0 }
                split = true
                splitAt = nil
            }
            if let at = healAt, simulation.now >= at, splitAt == nil {
                simulation.heal()
                healAt = nil
            }
            if simulation.now >= nextOutage && simulation.now < end, let every = settings.outageEvery {
                // Every replica of one range at once: without disks its keys would be gone.
                for victim in simulation.replicaSet(of: simulation.scenarioRandom.nextIdentifier()) {
                    simulation.crash(victim)
                    restarts.add(victim, at: simulation.now + settings.outageDowntime)
                }
                outageCount += 1
                nextOutage = simulation.now + every
            }
        }
        // Every host still down comes back before the keys are read back.
        while let last = restarts.latest, simulation.now < last {
            try simulation.run(until: min(last, simulation.now + gap))
            restarts.startDue(simulation)
        }
        restarts.startDue(simulation)
        // Let the last operations finish, then measure how fast every key is back to R replicas.
        try simulation.run(for: simulation.nodeConfig.clientRequestDeadline + Nanos.seconds(1))
        let exactAfter = try runUntilExact(simulation, limit: end + settings.convergenceLimit)
        if split, exactAfter != nil { simulation.ringsMerged() }
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
        report.add("repair_bytes_sent", .int(simulation.repairBytesSent))
        if settings.disks {
            let batches = simulation.diskBatches
            report.add("replica_set_outages", .int(outageCount))
            report.add("disk_batches_synced", .int(batches.synced))
            report.add("disk_batches_lost_in_crashes", .int(batches.lost))
        }
        report.add("operations", .int(stats.issued))
        report.add("puts_acknowledged", .int(stats.putsAcknowledged))
        report.add("removes_acknowledged", .int(stats.removesAcknowledged))
        report.add("reads_correct", .int(stats.readsCorrect))
        report.add("reads_wrong", .int(stats.readsWrong))
        if settings.outageEvery != nil {
            report.add("reads_wrong_while_all_replicas_down", .int(stats.readsWrongWhileReplicasDown))
        }
        if settings.split != nil {
            report.add("reads_stale_across_partition", .int(stats.readsStaleAcrossPartition))
        }
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

/// Crashed hosts waiting to restart with their disks, soonest first.
struct Restarts {
    private var pending: [(host: Int, at: Instant)] = []

    /// When the last one restarts.
    var latest: Instant? { pending.last?.at }

    mutating func add(_ host: Int, at instant: Instant) {
        let index = pending.firstIndex { $0.at > instant } ?? pending.count
        pending.insert((host, instant), at: index)
    }

    /// Restarts every host whose downtime is over, joining through random members.
    mutating func startDue(_ simulation: Simulation) {
        while let first = pending.first, first.at <= simulation.now {
            let members = simulation.memberIndices
            guard !members.isEmpty else { return }
            pending.removeFirst()
            let contacts = (0..<3).map { _ in members[simulation.scenarioRandom.nextInt(below: members.count)] }
            simulation.start(first.host, bootstrap: contacts[0], fallbacks: Array(contacts.dropFirst()))
        }
    }
}

extension Simulation {
    /// Whether a live member holds `key` as one of `allowed` (nil: a tombstone).
    func someLiveMemberHolds(_ key: [UInt8], oneOf allowed: [[UInt8]?]) -> Bool {
        let id = Identifier.forKey(bytes: key)
        for entry in members.entries {
            guard let item = cores[entry.host]?.store.item(id), item.key.elementsEqual(key) else { continue }
            if item.isTombstone ? allowed.contains(where: { $0 == nil }) : allowed.contains(where: { $0 == item.value }) { return true }
        }
        return false
    }

    /// The hosts of the live members that hold `id`: its owner and the next R − 1.
    func replicaSet(of id: Identifier) -> [Int] {
        let entries = members.entries
        guard !entries.isEmpty else { return [] }
        var position = members.lowerBound(id)
        var hosts: [Int] = []
        for _ in 0..<min(nodeConfig.replicas, entries.count) {
            if position == entries.count { position = 0 }
            hosts.append(entries[position].host)
            position += 1
        }
        return hosts
    }

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

    /// How many written keys are not held, in the newest version any live node holds, by
    /// all R of their designated replicas (the owner and its next R − 1 live members). A
    /// newer copy elsewhere (say, written on the other side of a healed partition) counts.
    func replicaShortfall(keys: Int, workload: KeyValueWorkload) -> Int {
        var short = 0
        let live = cores.compactMap { $0 }
        for key in 0..<keys {
            let id = Identifier.forKey(bytes: KeyValueWorkload.keyBytes(key))
            guard let newest = live.compactMap({ $0.store.version(id) }).max() else { continue }  // never written
            if replicaSet(of: id).contains(where: { cores[$0]?.store.version(id) != newest }) { short += 1 }
        }
        return short
    }
}

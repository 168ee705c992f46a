import ChordCore
import ToolSupport

/// The scenarios `chord-sim` offers: mass join, steady-state lookups, a mass crash, churn,
/// and partition-then-heal. Each builds its ring through the protocol itself (nodes join
/// through random members), then measures, and reports figures and pass/fail.
public enum Scenario: String, CaseIterable, Sendable {
    case join
    case lookups
    case crash
    case churn
    case partition
    case store
    case attacks

    /// Runs the scenario with `settings`.
    public func run(_ settings: ScenarioSettings) -> ScenarioReport {
        let simulation = Simulation(seed: settings.seed, network: settings.network, nodeConfig: settings.nodeConfig)
        simulation.checkPolicy = settings.checkPolicy
        simulation.disksEnabled = settings.disks
        simulation.syncLatency = settings.syncLatency
        simulation.appendageGrace = settings.appendageGrace ?? 30 * settings.stabilizeInterval
        if let watch = settings.watch {
            simulation.watched = watch
            simulation.debugOutput = true
        }
        var report = ScenarioReport(scenario: rawValue, seed: settings.seed)
        do {
            switch self {
            case .join: try Self.massJoin(simulation, settings, &report)
            case .lookups: try Self.steadyLookups(simulation, settings, &report)
            case .crash: try Self.massCrash(simulation, settings, &report)
            case .churn: try Self.churn(simulation, settings, &report)
            case .partition: try Self.partitionAndHeal(simulation, settings, &report)
            case .store: try Self.storeWorkload(simulation, settings, &report)
            case .attacks: try Self.attacks(simulation, settings, &report)
            }
        } catch {
            report.violation = error
        }
        report.steps = simulation.steps
        report.traceHash = simulation.trace.hex
        report.add("events", .int(Int(simulation.steps)))
        report.add("datagrams_sent", .int(simulation.traffic.sent))
        report.add("datagrams_lost", .int(simulation.traffic.lost))
        report.add("ring_checks", .int(simulation.ringChecks))
        report.add("max_appendages_skipping", .int(simulation.transientAppendageViolations))
        report.add("longest_appendage_skip_s", .number(Self.seconds(simulation.longestAppendageSkip)))
        report.add("trace_hash", .text(simulation.trace.hex))
        return report
    }

    // MARK: Building blocks

    /// Starts `settings.nodes` hosts: the first creates the ring, the others join at random
    /// instants within the join window, each through a random host already started. Returns
    /// the instant of the last join.
    @discardableResult
    static func buildRing(_ simulation: Simulation, _ settings: ScenarioSettings) throws(InvariantViolation) -> Instant {
        let origin = simulation.now
        for _ in 0..<settings.nodes { simulation.addHost() }
        simulation.start(0, bootstrap: nil)
        var joinTimes = (1..<max(1, settings.nodes)).map { _ in
            origin + Int64(simulation.scenarioRandom.nextUnit() * Double(settings.joinWindow))
        }
        joinTimes.sort()
        for (offset, time) in joinTimes.enumerated() {
            try simulation.run(until: time)
            let index = offset + 1
            let bootstrap = simulation.scenarioRandom.nextInt(below: index)
            simulation.start(index, bootstrap: bootstrap)
        }
        return joinTimes.last ?? origin
    }

    /// Builds the ring (`buildRing`) and runs until it is exact, at most four convergence
    /// limits after the last join; a ring still not exact then is a missed target ("ring not
    /// exact before `purpose`"). Returns the instant it became exact, or nil.
    @discardableResult
    static func buildSettledRing(_ simulation: Simulation, _ settings: ScenarioSettings, _ report: inout ScenarioReport,
                                 before purpose: String) throws(InvariantViolation) -> Instant? {
        let lastJoin = try buildRing(simulation, settings)
        let exactAt = try runUntilExact(simulation, limit: lastJoin + settings.convergenceLimit * 4)
        report.require(exactAt != nil, "ring not exact before \(purpose): \(simulation.exactness())")
        return exactAt
    }

    /// Runs until the ring is exact (polling every 100 ms) or `limit` passes; returns the
    /// instant it became exact, or nil.
    static func runUntilExact(_ simulation: Simulation, limit: Instant) throws(InvariantViolation) -> Instant? {
        while simulation.now < limit {
            if simulation.isExact { return simulation.now }
            try simulation.run(for: Nanos.milliseconds(100))
        }
        return simulation.isExact ? simulation.now : nil
    }

    /// Issues lookups at `rate` per simulated second from random members to random targets
    /// until `end`.
    static func runWithLookups(_ simulation: Simulation, until end: Instant, rate: Double, confirmOwner: Bool)
        throws(InvariantViolation) {
        guard rate > 0 else {
            try simulation.run(until: end)
            return
        }
        let gap = max(Int64(1e9 / rate), 1)
        while simulation.now < end {
            let members = simulation.memberIndices
            if !members.isEmpty {
                let issuer = members[simulation.scenarioRandom.nextInt(below: members.count)]
                simulation.issueLookup(from: issuer, target: simulation.scenarioRandom.nextIdentifier(),
                                       confirmOwner: confirmOwner)
            }
            try simulation.run(until: min(end, simulation.now + gap))
        }
    }

    /// Crashes a random running host and replaces it at once: half the time the same host
    /// restarts empty (same address, same identifier), half the time a new host joins; either
    /// joins through a random member, with two more as fallbacks.
    static func crashAndReplace(_ simulation: Simulation) {
        let live = simulation.liveIndices
        let victim = live[simulation.scenarioRandom.nextInt(below: live.count)]
        simulation.crash(victim)
        let members = simulation.memberIndices
        guard !members.isEmpty else { return }
        let contacts = (0..<3).map { _ in members[simulation.scenarioRandom.nextInt(below: members.count)] }
        let host = simulation.scenarioRandom.nextUnit() < 0.5 ? victim : simulation.addHost()
        simulation.start(host, bootstrap: contacts[0], fallbacks: Array(contacts.dropFirst()))
    }

    /// Fraction of members' fingers that point at the true owner of their start.
    static func fingerAccuracy(_ simulation: Simulation) -> Double {
        var total = 0, exact = 0
        for index in simulation.memberIndices {
            guard let core = simulation.hosts[index].core else { continue }
            for finger in 0..<Identifier.bitWidth {
                let start = core.me.id.fingerStart(finger)
                guard let truth = simulation.members.owner(of: start), truth.id != core.me.id else { continue }
                total += 1
                if core.fingers[finger]?.id == truth.id { exact += 1 }
            }
        }
        return total == 0 ? 1 : Double(exact) / Double(total)
    }

    static func seconds(_ nanoseconds: Int64) -> Double { Double(nanoseconds) / 1e9 }

    // MARK: Scenarios

    static func massJoin(_ simulation: Simulation, _ settings: ScenarioSettings, _ report: inout ScenarioReport)
        throws(InvariantViolation) {
        let lastJoin = try buildRing(simulation, settings)
        let exactAt = try runUntilExact(simulation, limit: Instant.zero + settings.convergenceLimit)
        report.add("nodes", .int(settings.nodes))
        report.add("last_join_s", .number(lastJoin.seconds))
        if let exactAt {
            report.add("exact_after_s", .number(exactAt.seconds))
            report.add("exact_after_last_join_s", .number(seconds(exactAt - lastJoin)))
        } else {
            report.add("exact_after_s", .text("not within limit"))
            report.add("state_at_limit", .text(simulation.exactness().description))
        }
        report.require(exactAt != nil, "ring not exact within \(seconds(settings.convergenceLimit)) s: \(simulation.exactness())")
    }

    static func steadyLookups(_ simulation: Simulation, _ settings: ScenarioSettings, _ report: inout ScenarioReport)
        throws(InvariantViolation) {
        let exactAt = try buildSettledRing(simulation, settings, &report, before: "lookups")
        // Let fix-fingers catch up: a full refresh takes about log2 N rounds.
        var accuracy = fingerAccuracy(simulation)
        var waited = 0
        while accuracy < 0.999 && waited < 120 {
            try simulation.run(for: Nanos.seconds(5))
            waited += 5
            accuracy = fingerAccuracy(simulation)
        }
        report.add("nodes", .int(settings.nodes))
        report.add("exact_after_s", exactAt.map { .number($0.seconds) } ?? .text("never"))
        report.add("finger_accuracy", .number(accuracy))
        simulation.lookups.reset()
        // Spread the lookups over time at 1,000 per simulated second.
        let perBatch = 100
        var issued = 0
        while issued < settings.lookups {
            let members = simulation.memberIndices
            for _ in 0..<min(perBatch, settings.lookups - issued) {
                let issuer = members[simulation.scenarioRandom.nextInt(below: members.count)]
                simulation.issueLookup(from: issuer, target: simulation.scenarioRandom.nextIdentifier(), confirmOwner: false)
                issued += 1
            }
            try simulation.run(for: Nanos.milliseconds(100))
        }
        try simulation.run(for: Nanos.seconds(10))
        let stats = simulation.lookups
        let hops = stats.routingHops.sorted()
        let mean = hops.isEmpty ? 0 : Double(hops.reduce(0, +)) / Double(hops.count)
        let log2N = naturalLog(Double(settings.nodes)) / naturalLog(2)
        let p99 = percentile(hops, 0.99)
        report.add("lookups", .int(stats.issued))
        report.add("completed", .int(stats.completed))
        report.add("correct_pct", .number(percent(stats.correct, of: stats.issued)))
        report.add("hops_mean", .number(mean))
        report.add("hops_p50", .int(percentile(hops, 0.5)))
        report.add("hops_p99", .int(p99))
        report.add("hops_max", .int(hops.last ?? 0))
        report.add("half_log2_n", .number(log2N / 2))
        report.add("latency_p50_ms", .number(Double(percentile(stats.latencies.sorted(), 0.5)) / 1e6))
        report.require(mean <= log2N / 2 + 0.5, "mean hops \(formatNumber(mean)) > ½·log2 N + 0.5 = \(formatNumber(log2N / 2 + 0.5))")
        report.require(Double(p99) <= log2N, "99th percentile hops \(p99) > log2 N = \(formatNumber(log2N))")
        report.require(stats.correct == stats.issued, "\(stats.issued - stats.correct) of \(stats.issued) lookups did not end at the true successor")
    }

    static func massCrash(_ simulation: Simulation, _ settings: ScenarioSettings, _ report: inout ScenarioReport)
        throws(InvariantViolation) {
        try buildSettledRing(simulation, settings, &report, before: "the crash")
        try simulation.run(for: Nanos.seconds(30))  // fingers settle
        simulation.lookups.reset()
        var victims = simulation.memberIndices
        let crashCount = Int(Double(victims.count) * settings.crashFraction)
        for position in 0..<victims.count {  // Fisher-Yates, seeded
            let other = position + simulation.scenarioRandom.nextInt(below: victims.count - position)
            victims.swapAt(position, other)
        }
        let crashTime = simulation.now
        for victim in victims.prefix(crashCount) { simulation.crash(victim) }
        let repairLimit = crashTime + settings.convergenceLimit
        var repairedAt: Instant?
        while simulation.now < repairLimit {
            try runWithLookups(simulation, until: simulation.now + Nanos.milliseconds(100), rate: settings.lookupRate,
                               confirmOwner: true)
            if simulation.isExact {
                repairedAt = simulation.now
                break
            }
        }
        // Let every lookup issued so far finish or fail: their deadline is 5 s.
        try simulation.run(for: simulation.nodeConfig.lookupDeadline + Nanos.seconds(5))
        let stats = simulation.lookups
        report.add("nodes", .int(settings.nodes))
        report.add("crashed", .int(crashCount))
        report.add("repair_s", repairedAt.map { .number(seconds($0 - crashTime)) } ?? .text("not within limit"))
        report.add("lookups_during_repair", .int(stats.issued))
        report.add("lookups_correct", .int(stats.correct))
        report.add("lookups_failed_timed_out", .int(stats.failedTimedOut))
        report.add("lookups_failed_other", .int(stats.failedHopLimit + stats.failedNotJoined))
        report.add("lookups_wrong_owner", .int(stats.wrongOwner))
        report.add("lookups_hung", .int(simulation.lookupsInFlight))
        report.add("disconnected_sightings", .int(simulation.disconnectedSightings))
        report.require(repairedAt != nil, "ring not repaired within \(seconds(settings.convergenceLimit)) s: \(simulation.exactness())")
        report.require(stats.wrongOwner == 0, "\(stats.wrongOwner) lookups ended at a wrong owner")
        report.require(simulation.lookupsInFlight == 0, "\(simulation.lookupsInFlight) lookups never finished")
    }

    static func churn(_ simulation: Simulation, _ settings: ScenarioSettings, _ report: inout ScenarioReport)
        throws(InvariantViolation) {
        try buildSettledRing(simulation, settings, &report, before: "churn")
        try simulation.run(for: Nanos.seconds(30))
        simulation.lookups.reset()
        // Exponential sessions with the given median: each live node fails at rate ln 2 / median;
        // the whole population fails as a Poisson process at N times that. A failed node is
        // replaced at once: half the time the same host restarts empty (same address and ID),
        // half the time a new host joins; both through a random live member.
        let perNodeRate = 0.693_147_180_559_945_3 / seconds(settings.medianSession)
        let churnStart = simulation.now
        let churnEnd = churnStart + settings.duration
        var crashes = 0
        var nextFailure = churnStart + exponential(&simulation.scenarioRandom, rate: perNodeRate * Double(settings.nodes))
        while simulation.now < churnEnd {
            let until = min(nextFailure, churnEnd)
            try runWithLookups(simulation, until: until, rate: settings.lookupRate, confirmOwner: true)
            guard simulation.now >= nextFailure, simulation.now < churnEnd else { continue }
            crashAndReplace(simulation)
            crashes += 1
            nextFailure = simulation.now + exponential(&simulation.scenarioRandom,
                                                       rate: perNodeRate * Double(simulation.liveIndices.count))
        }
        let exactAfter = try runUntilExact(simulation, limit: churnEnd + settings.convergenceLimit)
        try simulation.run(for: simulation.nodeConfig.lookupDeadline + Nanos.seconds(1))
        let stats = simulation.lookups
        let finished = stats.finished
        report.add("nodes", .int(settings.nodes))
        report.add("churn_s", .number(seconds(settings.duration)))
        report.add("crashes", .int(crashes))
        report.add("lookups", .int(stats.issued))
        report.add("correct_pct", .number(percent(stats.correct, of: finished)))
        report.add("wrong_owner", .int(stats.wrongOwner))
        report.add("failed", .int(stats.failedTimedOut + stats.failedHopLimit + stats.failedNotJoined))
        report.add("hung", .int(simulation.lookupsInFlight))
        let hops = stats.routingHops
        report.add("hops_mean", .number(hops.isEmpty ? 0 : Double(hops.reduce(0, +)) / Double(hops.count)))
        report.add("exact_after_churn_s", exactAfter.map { .number(seconds($0 - churnEnd)) } ?? .text("not within limit"))
        report.add("disconnected_sightings", .int(simulation.disconnectedSightings))
        report.require(percent(stats.correct, of: finished) >= 99, "only \(formatNumber(percent(stats.correct, of: finished)))% of lookups ended at the true owner")
        report.require(exactAfter != nil, "ring not exact within \(seconds(settings.convergenceLimit)) s after churn: \(simulation.exactness())")
        report.require(simulation.lookupsInFlight == 0, "\(simulation.lookupsInFlight) lookups never finished")
    }

    static func partitionAndHeal(_ simulation: Simulation, _ settings: ScenarioSettings, _ report: inout ScenarioReport)
        throws(InvariantViolation) {
        try buildSettledRing(simulation, settings, &report, before: "the partition")
        try simulation.run(for: Nanos.seconds(30))
        // Two sides drawn at random, half each.
        let sides = (0..<simulation.hosts.count).map { _ in UInt8(simulation.scenarioRandom.nextInt(below: 2)) }
        simulation.partition { sides[$0] }
        let splitAt = simulation.now
        try runWithLookups(simulation, until: splitAt + settings.duration, rate: settings.lookupRate, confirmOwner: true)
        simulation.heal()
        let healAt = simulation.now
        let exactAfter = try runUntilExact(simulation, limit: healAt + settings.convergenceLimit)
        report.add("nodes", .int(settings.nodes))
        report.add("partition_s", .number(seconds(settings.duration)))
        report.add("exact_after_heal_s", exactAfter.map { .number(seconds($0 - healAt)) } ?? .text("not within limit"))
        report.require(exactAfter != nil, "ring not one exact ring within \(seconds(settings.convergenceLimit)) s after healing: \(simulation.exactness())")
        if exactAfter != nil {
            simulation.ringsMerged()
            try simulation.checkRingIfDue(force: true)
        }
    }
}

func percent(_ part: Int, of whole: Int) -> Double {
    whole == 0 ? 100 : 100 * Double(part) / Double(whole)
}

func exponential(_ random: inout SeededRandom, rate: Double) -> Int64 {
    guard rate > 0 else { return .max / 4 }
    return Int64(-naturalLog(1 - random.nextUnit()) / rate * 1e9)
}

import ChordCore
import ClusterSupport
import Foundation

/// The parts of one run, wired together: the cluster, the nodes the workload uses, the key
/// ledger, the metrics and the event log.
struct Harness: Sendable {
    let settings: ChurnSettings
    let cluster: LocalCluster
    /// The test bed the nodes run on (with --hosts).
    let bed: NetworkBed?
    let membership: Membership
    let metrics = RunMetrics()
    let events: EventLog
    let ledger: KeyLedger
    let churner: Churner
    let workload: Workload
    let readBack: ReadBack
    /// Longest wait for the ring to become exact (at the start, and after churn).
    let exactLimit: Duration = .seconds(120)
    /// Longest wait, after the ring is exact, for every key to read back right.
    let repairLimit: Duration = .seconds(30)

    init(settings: ChurnSettings) throws {
        self.settings = settings
        events = try EventLog(directory: settings.logDirectory)
        bed = try settings.hosts.map { count throws(NetworkBed.BedError) in try NetworkBed(name: "churn", hosts: count) }
        cluster = LocalCluster(arguments: settings.nodeArguments, logDirectory: settings.logDirectory, seed: settings.seed,
                               clusterKey: settings.clusterKey, dataDirectory: settings.dataDirectory, bed: bed)
        membership = Membership(seed: settings.seed &+ 1)
        ledger = KeyLedger(count: settings.keys, seed: settings.seed &+ 2)
        let runner = OperationRunner(membership: membership, timeout: settings.operationTimeout)
        churner = Churner(cluster: cluster, membership: membership, metrics: metrics, events: events, settings: settings)
        workload = Workload(ledger: ledger, runner: runner, metrics: metrics, events: events, rate: settings.opsRate,
                            clients: settings.clients)
        readBack = ReadBack(ledger: ledger, runner: runner, metrics: metrics, events: events, concurrency: settings.clients)
    }

    /// Moves to `phase` and logs it.
    func enter(_ phase: Phase) {
        metrics.phase = phase
        events.note("phase \(phase.rawValue)")
    }

    /// Starts the nodes one by one and waits until the ring is exact.
    func startRing() async throws {
        enter(.starting)
        for _ in 0..<settings.nodes { try await churner.startNode() }
        let formed: Duration
        do {
            formed = try await cluster.waitUntilExact(timeout: exactLimit)
        } catch {
            throw HarnessError("the initial ring was not exact within \(secondsText(exactLimit)) s: \(Self.findings(error))")
        }
        events.note("ring of \(settings.nodes) exact after \(secondsText(formed)) s")
    }

    /// After churn or the kill: waits (bounded) until the ring is exact and records how long
    /// that took from `since`.
    func settle(since: ContinuousClock.Instant, into report: inout ChurnReport) async {
        enter(.settle)
        do {
            try await cluster.waitUntilExact(timeout: exactLimit)
            let now = ContinuousClock.now
            report.exactAfter = now - since
            report.exactAfterLastKill = metrics.lastKill.map { now - $0 }
            events.note("ring exact \(secondsText(now - since)) s after churn stopped")
        } catch {
            events.note("ring NOT exact: \(Self.findings(error))")
        }
    }

    /// What the last exactness check found, for the log (the counts).
    private static func findings(_ error: ClusterError) -> String {
        guard case .notExact(let last, _, _) = error else { return "\(error)" }
        return "\(last)"
    }

    /// Waits for repair (bounded), then reads every key back.
    func verifyKeys(into report: inout ChurnReport) async {
        enter(.repair)
        report.repairAfter = await readBack.waitForRepair(limit: repairLimit)
        enter(.readback)
        report.verification = await readBack.verify()
        enter(.done)
    }

    /// Stops every node by PID, closes the clients and removes the test bed.
    func stop() {
        membership.closeClients()
        cluster.stopAll(timeout: .seconds(5))
        bed?.remove()
        events.close()
    }
}

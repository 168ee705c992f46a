import CommandLineSupport
import ToolSupport

/// The client workload: C tasks issuing operations at a fixed total rate, each on an idle
/// key (one writer per key), through random live nodes; every outcome goes to the ledger
/// and the metrics.
struct Workload: Sendable {
    let ledger: KeyLedger
    let runner: OperationRunner
    let metrics: RunMetrics
    let events: EventLog
    /// Operations per second, all clients together.
    let rate: Double
    let clients: Int

    /// Writes every key once with `clients` puts in flight (no pacing).
    func load() async {
        let next = TicketCounter()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<clients {
                group.addTask {
                    while true {
                        let key = next.next()
                        guard key < ledger.count else { return }
                        guard let operation = ledger.claimPut(key) else { continue }
                        await perform(operation, key: key)
                    }
                }
            }
        }
    }

    /// Issues operations at `rate` until `end`, then waits for those in flight.
    func run(until end: ContinuousClock.Instant) async {
        let start = ContinuousClock.now
        let tickets = TicketCounter()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<clients {
                group.addTask {
                    while !Task.isCancelled {
                        let ticket = tickets.next()
                        let due = start + .seconds(Double(ticket) / rate)
                        guard due < end else { return }
                        // Pacing the workload to its rate.
                        do { try await Task.sleep(until: due, clock: .continuous) } catch { return }
                        // A client held up by a slow operation catches up on missed tickets, but
                        // never issues one after the end.
                        guard ContinuousClock.now < end else { return }
                        guard let (key, operation) = ledger.claimRandom() else { continue }
                        await perform(operation, key: key)
                    }
                }
            }
        }
    }

    private func perform(_ operation: KeyOperation, key: Int) async {
        let phase = metrics.phase
        let outcome = await runner.run(operation, key: key)
        let verdict = ledger.settle(key, operation, answer: outcome.answer)
        metrics.record(verdict, outcome, issuedIn: phase)
        if verdict == .failed {
            let what: String
            switch operation {
            case .put: what = "put"
            case .get: what = "get"
            case .remove: what = "remove"
            }
            events.note("failed \(what) \(KeyLedger.name(key)) after \(JSONText.number(seconds(outcome.latency) * 1000)) ms "
                + "through \(outcome.lastVia.map(\.description) ?? "no node") (\(outcome.attempts) tries): \(outcome.failure ?? "?")")
        }
        if verdict == .wrongRead, case .some(let seen) = outcome.answer {
            events.note("wrong read: \(KeyLedger.name(key)) read \(AllowedValues.text(seen)), allowed \(ledger.allowedText(key))")
        }
    }
}

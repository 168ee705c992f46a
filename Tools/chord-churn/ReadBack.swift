import ToolSupport

/// The outcome of reading every key back at the end.
struct Verification: Sendable {
    /// Keys whose value is one their history allows.
    var correct = 0
    /// Keys whose value is not: an acknowledged write lost (or a removed value back).
    var lost = 0
    /// Keys whose read failed (not answered in time, or refused).
    var unreadable = 0
    /// A few lost or unreadable keys, described.
    var examples: [String] = []
}

/// Reading keys back after churn: first waiting (bounded) until every key reads back a value
/// it may hold, then one final read of every key that decides what was lost.
struct ReadBack: Sendable {
    let ledger: KeyLedger
    let runner: OperationRunner
    let metrics: RunMetrics
    let events: EventLog
    let concurrency: Int

    /// Reads the keys not yet right again and again until all are right or `limit` passes;
    /// the time it took, or nil.
    func waitForRepair(limit: Duration) async -> Duration? {
        let clock = ContinuousClock()
        let start = clock.now
        var pending = Array(0..<ledger.count)
        while clock.now - start < limit {
            let results = await read(pending)
            pending = zip(pending, results).filter { key, answer in
                guard case .read(let value) = answer else { return true }
                return !ledger.allows(key, value)
            }.map(\.0)
            events.note("repair pass: \(pending.count) keys not yet read back right")
            if pending.isEmpty { return clock.now - start }
            try? await Task.sleep(for: .milliseconds(500))  // giving repair time between passes, bounded by the limit
        }
        return nil
    }

    /// Reads every key once and compares it with what it may hold.
    func verify() async -> Verification {
        var verification = Verification()
        let results = await read(Array(0..<ledger.count), record: true)
        for key in 0..<ledger.count {
            guard case .read(let value) = results[key] else {
                verification.unreadable += 1
                if verification.examples.count < 10 { verification.examples.append("\(KeyLedger.name(key)): unreadable") }
                continue
            }
            if ledger.allows(key, value) {
                verification.correct += 1
            } else {
                verification.lost += 1
                let text = "\(KeyLedger.name(key)): read \(AllowedValues.text(value)), "
                    + "allowed \(ledger.allowedText(key))"
                events.note("lost write: " + text)
                if verification.examples.count < 10 { verification.examples.append(text) }
            }
        }
        return verification
    }

    /// What one read got.
    enum ReadAnswer: Sendable {
        /// Not answered in time, or refused.
        case failed
        /// The value read (nil: none).
        case read([UInt8]?)
    }

    /// Gets `keys` with `concurrency` in flight; the answers in the order of `keys`. With
    /// `record`, the reads count as operations outside churn.
    private func read(_ keys: [Int], record: Bool = false) async -> [ReadAnswer] {
        let next = TicketCounter()
        return await withTaskGroup(of: [(Int, ReadAnswer)].self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var results: [(Int, ReadAnswer)] = []
                    while true {
                        let index = next.next()
                        guard index < keys.count else { return results }
                        let key = keys[index]
                        let outcome = await runner.run(.get, key: key)
                        let answer: ReadAnswer
                        if case .some(let value) = outcome.answer { answer = .read(value) } else { answer = .failed }
                        results.append((index, answer))
                        if record {
                            let right: Bool
                            if case .read(let value) = answer { right = ledger.allows(key, value) } else { right = false }
                            metrics.record(right ? .ok : .failed, outcome, issuedIn: .readback)
                        }
                    }
                }
            }
            var all = [ReadAnswer](repeating: .failed, count: keys.count)
            for await part in group {
                for (index, answer) in part { all[index] = answer }
            }
            return all
        }
    }
}

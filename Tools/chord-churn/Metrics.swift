import Synchronization
import ToolSupport

/// Where the run is; operations are counted as during churn or outside it by the phase they
/// were issued in.
enum Phase: String, Sendable {
    case starting, load, warmup, churn, settle, repair, readback, done

    /// Whether operations issued now count as during churn.
    var isChurn: Bool { self == .churn }
}

/// Counts of operations and the latencies of those that succeeded.
struct OperationTally: Sendable {
    var ops = 0
    var ok = 0
    var failed = 0
    var wrongReads = 0
    /// Operations tried through more than one node (the first was killed under them).
    var retried = 0
    /// Milliseconds, successful operations only.
    var latencies: [Double] = []
    /// Failed operations by reason.
    var reasons: [String: Int] = [:]

    mutating func add(_ verdict: OperationVerdict, latency: Duration, attempts: Int, failure: String?) {
        ops += 1
        if attempts > 1 { retried += 1 }
        switch verdict {
        case .ok:
            ok += 1
            latencies.append(seconds(latency) * 1000)
        case .failed:
            failed += 1
            reasons[failure ?? "wrong value", default: 0] += 1
        case .wrongRead: wrongReads += 1
        }
    }

    /// Successful operations over all, in percent (100 when there were none).
    var successPercent: Double { ops == 0 ? 100 : Double(ok) * 100 / Double(ops) }

    /// A latency percentile in milliseconds (0 without samples).
    func percentile(_ fraction: Double) -> Double {
        ToolSupport.percentile(latencies.sorted(), fraction)
    }
}

/// The run's shared counters: the phase, kills and restarts, operation tallies during churn,
/// outside it and in the current second. Thread-safe.
final class RunMetrics: Sendable {
    private struct State {
        var phase = Phase.starting
        var during = OperationTally()
        var outside = OperationTally()
        var second = OperationTally()
        var lastKill: ContinuousClock.Instant?
        /// While a partition is on: the test bed hosts cut off.
        var cut: Set<Int>?
        /// Operations finished while a partition was on, by the side of the node they went
        /// through ("majority": not cut off; "minority": cut off).
        var sides: [String: OperationTally] = [:]
    }

    private let state = Mutex(State())
    private let killCount = Atomic<Int>(0)
    private let restartCount = Atomic<Int>(0)

    /// The current phase.
    var phase: Phase {
        get { state.withLock { $0.phase } }
        set { state.withLock { $0.phase = newValue } }
    }

    /// Nodes killed so far.
    var kills: Int { killCount.load(ordering: .relaxed) }
    /// Nodes restarted so far.
    var restarts: Int { restartCount.load(ordering: .relaxed) }
    func countKill() {
        killCount.add(1, ordering: .relaxed)
        state.withLock { $0.lastKill = .now }
    }

    /// When the last node was killed.
    var lastKill: ContinuousClock.Instant? { state.withLock { $0.lastKill } }
    func countRestart() { restartCount.add(1, ordering: .relaxed) }

    /// Records one finished operation issued in `phase`.
    func record(_ verdict: OperationVerdict, _ outcome: OperationRunner.Outcome, issuedIn phase: Phase) {
        state.withLock { state in
            if phase.isChurn {
                state.during.add(verdict, latency: outcome.latency, attempts: outcome.attempts, failure: outcome.failure)
            } else {
                state.outside.add(verdict, latency: outcome.latency, attempts: outcome.attempts, failure: outcome.failure)
            }
            state.second.add(verdict, latency: outcome.latency, attempts: outcome.attempts, failure: outcome.failure)
            if let cut = state.cut, let host = outcome.via?.process.host?.number {
                state.sides[cut.contains(host) ? "minority" : "majority", default: OperationTally()]
                    .add(verdict, latency: outcome.latency, attempts: outcome.attempts, failure: outcome.failure)
            }
        }
    }

    /// Starts (a set of hosts) or ends (nil) a partition: operations finishing meanwhile are
    /// also counted by side.
    func setCut(_ hosts: Set<Int>?) {
        state.withLock { $0.cut = hosts }
    }

    /// The operations counted by side during partitions, majority first.
    var sides: [(side: String, tally: OperationTally)] {
        state.withLock { state in state.sides.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
    }

    /// The operations finished since the last call, and the phase now.
    func takeSecond() -> (OperationTally, Phase) {
        state.withLock { state in
            let tally = state.second
            state.second = OperationTally()
            return (tally, state.phase)
        }
    }

    /// Totals during churn and outside it.
    var totals: (during: OperationTally, outside: OperationTally) { state.withLock { ($0.during, $0.outside) } }
}

/// A counter shared by tasks: each call hands out the next number, from 0.
final class TicketCounter: Sendable {
    private let value = Atomic<Int>(0)

    /// The next number.
    func next() -> Int { value.add(1, ordering: .relaxed).oldValue }
}

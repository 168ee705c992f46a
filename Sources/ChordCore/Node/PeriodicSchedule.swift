/// The work a member does now and then, each task every interval × (1 ± jitter).
///
/// The order of the cases is the order in which tasks due at the same instant run.
enum PeriodicTask: Int, CaseIterable {
    /// Ask the successor for its neighbours (`RingMaintenance.stabilize`).
    case stabilize
    /// Refresh one finger (`RingMaintenance.nextFingerLookup`).
    case fixFingers
    /// Ping the predecessor (`RingMaintenance.checkPredecessor`).
    case checkPredecessor
    /// Look our own identifier up through someone else (`RingMaintenance.successorCheckLookup`).
    case successorCheck
    /// Compare the owned range with every replica (`Repair.runAntiEntropy`).
    case antiEntropy
    /// Drop tombstones older than their lifetime (`Storage.collectTombstones`).
    case tombstoneCollection
    /// Hand copies this node no longer replicates to their owner (`Repair.retireStaleCopies`).
    case retirement

    /// The task's mean period.
    func interval(_ config: NodeConfig) -> Int64 {
        switch self {
        case .stabilize: return config.stabilizeInterval
        case .fixFingers: return config.fixFingersInterval
        case .checkPredecessor: return config.checkPredecessorInterval
        case .successorCheck: return config.successorCheckInterval
        case .antiEntropy: return config.antiEntropyInterval
        case .tombstoneCollection: return config.tombstoneLifetime / 10
        case .retirement: return 10 * config.antiEntropyInterval
        }
    }

    /// Whether the task runs as soon as the node becomes a member (else one interval later).
    var runsAtOnce: Bool { self == .stabilize }
}

/// When each periodic task is next due: one table, armed when the node becomes a member.
struct PeriodicSchedule {
    private var due = [Instant](repeating: .never, count: PeriodicTask.allCases.count)

    /// Arms every task: those that run at once now, the others one jittered interval from now.
    mutating func start(now: Instant, interval: (PeriodicTask) -> Int64) {
        for task in PeriodicTask.allCases {
            due[task.rawValue] = task.runsAtOnce ? now : now + interval(task)
        }
    }

    /// Makes `task` due at once (it was asked for early).
    mutating func runSoon(_ task: PeriodicTask, now: Instant) {
        due[task.rawValue] = now
    }

    /// Whether `task` is due at `now`; if so it is re-armed `interval` later (the caller then
    /// runs it). Each task is asked once per pass, in table order, so a task that asks to run
    /// again soon runs at the next pass, not twice in this one.
    mutating func takeIfDue(_ task: PeriodicTask, now: Instant, interval: () -> Int64) -> Bool {
        guard now >= due[task.rawValue] else { return false }
        due[task.rawValue] = now + interval()
        return true
    }

    /// The earliest instant a task is due.
    var earliest: Instant { due.min() ?? .never }

    /// When `task` is next due.
    func next(_ task: PeriodicTask) -> Instant { due[task.rawValue] }
}

extension Instant {
    /// Later than any real instant: "not scheduled".
    static let never = Instant(nanoseconds: .max)
}

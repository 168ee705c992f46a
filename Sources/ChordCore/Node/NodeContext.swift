/// What every concern of one node shares: who the node is, its settings, the time of the input
/// being handled, its seeded generator, the effects on their way out, the deadlines it waits
/// for, and its counters.
///
/// `ChordNode` creates one and hands it to each concern. The concerns read the time and the
/// settings, draw from the generator, and add effects, deadlines and counts; only `ChordNode`
/// moves the clock, takes the effects and pops the deadlines.
final class NodeContext {
    /// This node's identity.
    let me: Peer
    /// Its tunables.
    let config: NodeConfig
    /// The time of the input being handled; never goes backwards.
    private(set) var now = Instant.zero
    /// Every random choice of the core comes from here (timer jitter, the successor check's
    /// contact, the first request id), so a run replays from the node's seed.
    var random: SeededRandom
    /// What the node has counted since it started (diagnostics; every concern adds to it).
    var counters = NodeCounters()
    /// Effects produced while handling the current input.
    private var effects: [Effect] = []
    /// What the node waits for, by instant. Cancelling is lazy: the owner of an entry checks
    /// when it pops whether it is still wanted.
    private var deadlines = DeadlineHeap<Deadline>()

    init(me: Peer, config: NodeConfig, seed: UInt64) {
        self.me = me
        self.config = config
        self.random = SeededRandom(seed: seed)
    }

    // MARK: Used by the concerns

    /// Sends `envelope` in one datagram to `address`.
    @inline(__always)
    func send(_ envelope: Envelope, to address: NodeAddress) {
        effects.append(.send(envelope, to: address))
    }

    /// Reports something worth logging.
    func event(_ event: NodeEvent) {
        effects.append(.event(event))
    }

    /// Hands any other effect to the runner.
    func emit(_ effect: Effect) {
        effects.append(effect)
    }

    /// Asks for `deadline` to be handled at `instant`.
    @inline(__always)
    func schedule(_ deadline: Deadline, at instant: Instant) {
        deadlines.insert(deadline, at: instant)
    }

    /// `interval` scaled by a random factor in [1 − jitter, 1 + jitter].
    func jittered(_ interval: Int64) -> Int64 {
        let factor = 1 + config.jitter * (2 * random.nextUnit() - 1)
        return max(1, Int64(Double(interval) * factor))
    }

    // MARK: Used by ChordNode only

    /// Moves the clock to the time of the next input (never backwards).
    func advance(to instant: Instant) {
        now = max(now, instant)
    }

    /// Swaps the effect buffer with the caller's: before an input to collect into `output`,
    /// after it to give `output` back.
    func swapEffects(with output: inout [Effect]) {
        swap(&effects, &output)
    }

    /// The earliest deadline, if any (perhaps a cancelled one).
    var earliestDeadline: (deadline: Instant, payload: Deadline)? { deadlines.first }

    /// Removes the earliest deadline (a cancelled one, or one being handled).
    func dropEarliestDeadline() {
        _ = deadlines.popEarliest()
    }

    /// Removes and returns the earliest deadline if it is due now.
    func popDueDeadline() -> (deadline: Instant, payload: Deadline)? {
        deadlines.popDue(at: now)
    }
}

/// What the node's deadline heap holds: each names the concern's work to do at that instant.
enum Deadline {
    /// A request's timeout (the messenger retransmits, or reports the silence).
    case rpc(requestID: UInt64)
    /// A stuck lookup starts over from the node's own table.
    case lookupRestart(lookupID: UInt64)
    /// A lookup's overall deadline.
    case lookupDeadline(lookupID: UInt64)
    /// A joining node tries again.
    case joinRetry
    /// Join attempt `attempt` has had no answer so far: probe its target.
    case joinProbe(attempt: Int)
    /// A join has gone on for long: report it (`NodeEvent.joinStalled`).
    case joinStallReport
    /// A client operation is routed again after its back-off.
    case clientRetry(operationID: UInt64)
    /// An owner operation's replica round gives up.
    case ownerDeadline(operationID: UInt64)
    /// A transfer waited for the repair budget and sends its next page.
    case transferResume(transferID: UInt64)
    /// A graceful leave stops waiting for its hand-off.
    case leaveDeadline
}

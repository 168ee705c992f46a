/// Joining: find the successor through any live node, then make sure of it before becoming a
/// member.
///
/// A lookup's answer can be stale by the time it arrives: another node may have joined
/// between us and the named successor meanwhile. Zave's correctness argument needs a joining
/// node's successor to have no ring member before it, so the joiner walks back from the named
/// node along predecessor pointers (as stabilize does) until the predecessor no longer lies
/// between, and only then becomes a member and notifies its successor. If the bootstrap stays
/// silent, the joiner retries through the other join targets (the fallbacks, or the addresses
/// the runner found again: `Input.joinTargets`) and through members that contacted it.
///
/// A join that makes no progress is reported (`NodeEvent.joinStalled`) after a while and then
/// at growing intervals, with what the node heard: nothing at all, or answers to a ping that
/// does not name the node while the requests that name it (as their sender) go unanswered —
/// the target drops those because they come from another address than the advertised one.
final class Joiner {
    private let context: NodeContext
    private let ring: Ring
    private let maintenance: RingMaintenance
    private let messenger: Messenger
    private var me: Peer { context.me }

    /// The addresses to join through: the bootstrap and the fallbacks, or what the runner
    /// found again (`useTargets`). Tried in turn with `contacts`.
    private var targets: [NodeAddress] = []
    /// Members that contacted us while joining (they knew this address from an earlier life),
    /// tried in turn with the targets when they stay silent.
    private var contacts: [NodeAddress] = []
    private var attempts = 0
    /// Where the current attempt's lookup began, and whether anything answered it.
    private var attemptContact: NodeAddress?
    private var attemptAnswered = false
    /// Since the last stall report: whether any request was answered, and who answered a probe.
    private var periodAnswered = false
    private var probeAnswerer: NodeAddress?
    /// When the join began, the addresses tried, and when the next stall report is due.
    private var joinStarted = Instant.zero
    private var tried: [NodeAddress] = []
    private var reportInterval: Int64 = 0

    /// How many predecessor links the join walk may follow.
    static let walkLimit = 32
    /// Most join contacts remembered.
    static let contactMemory = 8

    init(context: NodeContext, ring: Ring, maintenance: RingMaintenance, messenger: Messenger) {
        self.context = context
        self.ring = ring
        self.maintenance = maintenance
        self.messenger = messenger
    }

    /// Starts the node: a ring of its own (no bootstrap), or a join through `bootstrap` (then
    /// the fallbacks), whose first lookup is returned for `ChordNode` to start.
    func start(bootstrap: NodeAddress?) -> LookupRequest? {
        guard ring.phase == .idle else { return nil }
        guard let bootstrap, bootstrap != me.address else {
            ring.becomeMember(joined: false)
            return nil
        }
        ring.startJoining(bootstrap: bootstrap)
        targets = Self.distinct([bootstrap] + context.config.fallbackBootstraps, excluding: me.address)
        joinStarted = context.now
        reportInterval = context.config.joinStallReport
        context.schedule(.joinStallReport, at: joinStarted + reportInterval)
        return beginAttempt(through: bootstrap)
    }

    /// From the next attempt on, joins through `addresses` instead of the targets so far.
    func useTargets(_ addresses: [NodeAddress]) {
        guard case .joining = ring.phase else { return }
        let fresh = Self.distinct(addresses, excluding: me.address)
        guard !fresh.isEmpty else { return }
        targets = fresh
        contacts.removeAll { fresh.contains($0) }
    }

    private static func distinct(_ addresses: [NodeAddress], excluding me: NodeAddress) -> [NodeAddress] {
        var result: [NodeAddress] = []
        for address in addresses where address != me && !result.contains(address) { result.append(address) }
        return result
    }

    /// One attempt: a lookup of our own identifier through `contact`, and a probe of it if
    /// nothing answers for a while.
    private func beginAttempt(through contact: NodeAddress) -> LookupRequest {
        attemptContact = contact
        attemptAnswered = false
        if !tried.contains(contact) && tried.count < JoinStall.triedLimit { tried.append(contact) }
        context.schedule(.joinProbe(attempt: attempts), at: context.now + context.config.joinProbeDelay)
        return LookupRequest(target: me.id, purpose: .join, contacts: [Contact(address: contact, id: nil)])
    }

    /// Attempt `attempt` has had no answer yet: ping its contact without naming this node. The
    /// contact answers the datagram's source address, whatever this node advertises.
    func probeIfSilent(attempt: Int) {
        guard case .joining = ring.phase, attempt == attempts, !attemptAnswered, let contact = attemptContact else { return }
        messenger.request(.ping, to: contact, peer: nil, retries: 1, purpose: .joinProbe, anonymous: true)
    }

    /// An answer to one of the requests the node sent while joining (`probe`: to a probe).
    func answerArrived(from source: NodeAddress, probe: Bool) {
        guard case .joining = ring.phase else { return }
        if probe {
            probeAnswerer = source
        } else {
            attemptAnswered = true
            periodAnswered = true
        }
    }

    /// The lookup for our own identifier finished: walk to the successor it named.
    func lookupFinished(_ outcome: Result<LookupResult, LookupFailure>) {
        guard case .joining = ring.phase else { return }
        switch outcome {
        case .success(let result):
            var candidates = ([result.owner] + result.successors).filter { $0.id != me.id }
            if candidates.isEmpty, let contact = result.hops.last(where: { $0.roundTrip != nil }),
               let id = contact.id, id != me.id {
                candidates = [Peer(id: id, address: contact.address)]
            }
            walk(to: candidates, steps: 0)
        case .failure:
            attemptFailed()
        }
    }

    /// Asks `candidates[0]` for its neighbours; the rest are fallbacks if it is silent.
    private func walk(to candidates: [Peer], steps: Int) {
        guard case .joining = ring.phase else { return }
        guard let candidate = candidates.first else {
            attemptFailed()
            return
        }
        messenger.request(.getNeighbors, to: candidate.address, peer: candidate, retries: 1,
                          purpose: .joinWalk(candidate, fallback: Array(candidates.dropFirst()), steps: steps))
    }

    /// The candidate answered with its predecessor and successor list: walk further back, or
    /// take it as our successor and become a member.
    func candidateAnswered(_ candidate: Peer, predecessor candidatePredecessor: Peer?, list: [Peer], steps: Int) {
        guard case .joining = ring.phase else { return }
        if let candidatePredecessor, candidatePredecessor.id != me.id, steps < Self.walkLimit,
           candidatePredecessor.id.isInOpenInterval(me.id, candidate.id) {
            walk(to: [candidatePredecessor, candidate] + list, steps: steps + 1)
            return
        }
        // The keys of our range are on their way (`ChordNode` tells storage to read from every
        // replica for a while). We do not claim the range yet: that waits for the predecessor
        // to introduce itself.
        ring.becomeMember(joined: true)
        ring.adoptSuccessors([candidate] + list)
        if let successor = ring.successor {
            context.event(.joined(successor: successor))
            maintenance.notifySuccessor()
        }
        // Our successor's predecessor precedes us: tell it we are here, so that it takes us
        // as its successor now instead of at its next stabilize.
        if let candidatePredecessor, candidatePredecessor.id != me.id, candidatePredecessor.id != ring.successor?.id {
            messenger.oneWay(.announce, to: candidatePredecessor.address)
        }
    }

    /// The candidate stayed silent: try the next one.
    func candidateSilent(fallback: [Peer], steps: Int) {
        walk(to: fallback, steps: steps + 1)
    }

    private func attemptFailed() {
        guard let contact = attemptContact else { return }
        context.event(.joinAttemptFailed(bootstrap: contact))
        context.schedule(.joinRetry, at: context.now + context.config.joinRetryDelay)
    }

    /// The join has gone on for too long: reports it, and when to report it next.
    func reportStall() {
        guard case .joining = ring.phase else { return }
        let now = context.now
        let reason: JoinStall.Reason
        if periodAnswered {
            reason = .incomplete
        } else if let probeAnswerer {
            reason = .advertisedAddressUnseen(target: probeAnswerer)
        } else {
            reason = .noAnswer
        }
        context.event(.joinStalled(JoinStall(reason: reason, waited: now - joinStarted, tried: tried, advertised: me.address)))
        periodAnswered = false
        probeAnswerer = nil
        reportInterval = min(reportInterval * 2, context.config.joinStallReportLimit)
        context.schedule(.joinStallReport, at: now + reportInterval)
    }

    /// Tries again, alternating between the join targets and members that have contacted us:
    /// if the bootstrap died, the ring still knows this address and its members will show up.
    func retry() -> LookupRequest? {
        guard case .joining = ring.phase else { return nil }
        attempts += 1
        let choices = targets + contacts
        return beginAttempt(through: choices[attempts % choices.count])
    }

    /// A member sent us a request while we were joining (or an answer named it): remember it
    /// as a way in, in case the join targets die before we are in.
    func noteContact(_ address: NodeAddress) {
        guard case .joining = ring.phase, !targets.contains(address), address != me.address,
              !contacts.contains(address) else { return }
        if contacts.count >= Self.contactMemory { contacts.removeFirst() }
        contacts.append(address)
    }
}

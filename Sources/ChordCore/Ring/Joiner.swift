/// Joining: find the successor through any live node, then make sure of it before becoming a
/// member.
///
/// A lookup's answer can be stale by the time it arrives: another node may have joined
/// between us and the named successor meanwhile. Zave's correctness argument needs a joining
/// node's successor to have no ring member before it, so the joiner walks back from the named
/// node along predecessor pointers (as stabilize does) until the predecessor no longer lies
/// between, and only then becomes a member and notifies its successor. If the bootstrap stays
/// silent, the joiner retries through the fallbacks and through members that contacted it.
final class Joiner {
    private let context: NodeContext
    private let ring: Ring
    private let maintenance: RingMaintenance
    private let messenger: Messenger
    private var me: Peer { context.me }

    /// Members that contacted us while joining (they knew this address from an earlier life),
    /// tried in turn with the bootstrap when it stays silent.
    private var contacts: [NodeAddress] = []
    private var attempts = 0

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

    /// Starts the node: a ring of its own (no bootstrap), or a join through `bootstrap`, whose
    /// first lookup is returned for `ChordNode` to start.
    func start(bootstrap: NodeAddress?) -> LookupRequest? {
        guard ring.phase == .idle else { return nil }
        guard let bootstrap, bootstrap != me.address else {
            ring.becomeMember(joined: false)
            return nil
        }
        ring.startJoining(bootstrap: bootstrap)
        for fallback in context.config.fallbackBootstraps { noteContact(fallback) }
        return LookupRequest(target: me.id, purpose: .join, contacts: [Contact(address: bootstrap, id: nil)])
    }

    /// The lookup for our own identifier finished: walk to the successor it named.
    func lookupFinished(_ outcome: Result<LookupResult, LookupFailure>) {
        guard case .joining(let bootstrap) = ring.phase else { return }
        switch outcome {
        case .success(let result):
            var candidates = ([result.owner] + result.successors).filter { $0.id != me.id }
            if candidates.isEmpty, let contact = result.hops.last(where: { $0.roundTrip != nil }),
               let id = contact.id, id != me.id {
                candidates = [Peer(id: id, address: contact.address)]
            }
            walk(to: candidates, steps: 0)
        case .failure:
            attemptFailed(bootstrap: bootstrap)
        }
    }

    /// Asks `candidates[0]` for its neighbours; the rest are fallbacks if it is silent.
    private func walk(to candidates: [Peer], steps: Int) {
        guard case .joining(let bootstrap) = ring.phase else { return }
        guard let candidate = candidates.first else {
            attemptFailed(bootstrap: bootstrap)
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

    private func attemptFailed(bootstrap: NodeAddress) {
        context.event(.joinAttemptFailed(bootstrap: bootstrap))
        context.schedule(.joinRetry, at: context.now + context.config.joinRetryDelay)
    }

    /// Tries again, alternating between the bootstrap and members that have contacted us: if
    /// the bootstrap died, the ring still knows this address and its members will show up.
    func retry() -> LookupRequest? {
        guard case .joining(let bootstrap) = ring.phase else { return nil }
        attempts += 1
        let choices = [bootstrap] + contacts
        let contact = choices[attempts % choices.count]
        return LookupRequest(target: me.id, purpose: .join, contacts: [Contact(address: contact, id: nil)])
    }

    /// A member sent us a request while we were joining (or an answer named it): remember it
    /// as a way in, in case the bootstrap dies before we are in.
    func noteContact(_ address: NodeAddress) {
        guard case .joining(let bootstrap) = ring.phase, address != bootstrap, address != me.address,
              !contacts.contains(address) else { return }
        if contacts.count >= Self.contactMemory { contacts.removeFirst() }
        contacts.append(address)
    }
}

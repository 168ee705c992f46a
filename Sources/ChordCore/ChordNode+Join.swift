/// Joining: find the successor through any live node, then make sure of it before becoming a
/// member.
///
/// A lookup's answer can be stale by the time it arrives: another node may have joined
/// between us and the named successor meanwhile. Zave's correctness argument needs a joining
/// node's successor to have no ring member before it, so the joiner walks back from the named
/// node along predecessor pointers (as stabilize does) until the predecessor no longer lies
/// between, and only then becomes a member and notifies its successor.
extension ChordNode {
    /// How many predecessor links the join walk may follow.
    static let joinWalkLimit = 32

    /// Asks `candidates[0]` for its neighbours; the rest are fallbacks if it is silent.
    func walkToSuccessor(_ candidates: [Peer], steps: Int) {
        guard case .joining(let bootstrap) = phase else { return }
        guard let candidate = candidates.first else {
            joinAttemptFailed(bootstrap: bootstrap)
            return
        }
        sendRequest(.getNeighbors, to: candidate.address, peer: candidate, retries: 1,
                    purpose: .joinWalk(candidate, fallback: Array(candidates.dropFirst()), steps: steps))
    }

    /// The candidate answered with its predecessor and successor list.
    func joinWalkHeard(from candidate: Peer, predecessor candidatePredecessor: Peer?, list: [Peer], steps: Int) {
        guard case .joining = phase else { return }
        if let candidatePredecessor, candidatePredecessor.id != me.id, steps < Self.joinWalkLimit,
           candidatePredecessor.id.isInOpenInterval(me.id, candidate.id) {
            walkToSuccessor([candidatePredecessor, candidate] + list, steps: steps + 1)
            return
        }
        becomeMember()
        // The keys of our range are on their way: reads ask every replica for a while. (We do
        // not claim the range yet: that waits for the predecessor to introduce itself.)
        awaitingHandoffUntil = now + Self.handoffWindow
        adoptList([candidate] + list)
        if let successor = successors.first {
            effects.append(.event(.joined(successor: successor)))
            notifySuccessor()
        }
        // Our successor's predecessor precedes us: tell it we are here, so that it takes us
        // as its successor now instead of at its next stabilize.
        if let candidatePredecessor, candidatePredecessor.id != me.id, candidatePredecessor.id != successors.first?.id {
            sendOneWay(.announce, to: candidatePredecessor.address)
        }
    }

    /// The candidate stayed silent: try the next one.
    func joinWalkTimedOut(fallback: [Peer], steps: Int) {
        walkToSuccessor(fallback, steps: steps + 1)
    }

    func joinAttemptFailed(bootstrap: NodeAddress) {
        effects.append(.event(.joinAttemptFailed(bootstrap: bootstrap)))
        deadlines.insert(.joinRetry, at: now + config.joinRetryDelay)
    }

    /// Tries again, alternating between the bootstrap and members that have contacted us: if
    /// the bootstrap died, the ring still knows this address and its members will show up.
    func retryJoin() {
        guard case .joining(let bootstrap) = phase else { return }
        joinAttempts += 1
        let choices = [bootstrap] + joinContacts
        let contact = choices[joinAttempts % choices.count]
        startLookup(target: me.id, purpose: .join, confirmOwner: false, contacts: [Contact(address: contact, id: nil)])
    }

    /// A member sent us a request while we were joining (or an answer named it): remember it
    /// as a way in, in case the bootstrap dies before we are in.
    func noteJoinContact(_ address: NodeAddress) {
        guard case .joining(let bootstrap) = phase, address != bootstrap, address != me.address,
              !joinContacts.contains(address) else { return }
        if joinContacts.count >= 8 { joinContacts.removeFirst() }
        joinContacts.append(address)
    }
}

/// Iterative lookups driven by this node: client requests, fix-fingers, joining, successor checks.
extension ChordNode {
    func startLookup(target: Identifier, purpose: LookupPurpose, confirmOwner: Bool, contacts: [Contact]?) {
        counters.lookupsStarted += 1
        let lookupID = nextLookupID
        nextLookupID += 1
        lookups[lookupID] = Lookup(target: target, purpose: purpose, confirmOwner: confirmOwner,
                                   initialContacts: contacts, started: now, deadline: now + config.lookupDeadline,
                                   origin: me.id)
        deadlines.insert(.lookupDeadline(lookupID), at: now + config.lookupDeadline)
        beginRouting(lookupID)
    }

    /// The lookup's deadline passed while it waited for an answer: it fails now, not at its
    /// next step (a hop's timeout can end well after the deadline).
    func lookupDeadlinePassed(_ lookupID: UInt64) {
        guard lookups[lookupID] != nil else { return }
        finishLookup(lookupID, .failure(.timedOut))
    }

    /// Seeds the candidates (own table, or the given contacts) and asks the first.
    private func beginRouting(_ lookupID: UInt64) {
        guard var lookup = lookups[lookupID] else { return }
        lookup.candidates = []
        lookup.asked = []
        lookup.progress = me.id
        lookup.ownerCandidates = nil
        lookup.waitingForRestart = false
        if let contacts = lookup.initialContacts {
            lookup.candidates = contacts
            lookups[lookupID] = lookup
        } else {
            switch lookupStep(for: lookup.target) {
            case .owner(let list):
                lookups[lookupID] = lookup
                namedOwner(lookupID, list: list, namedBy: me)
                return
            case .closer(let list):
                lookup.addCandidates(list, excluding: me.id)
                lookups[lookupID] = lookup
            }
        }
        askNext(lookupID)
    }

    /// Sends the next request of a lookup, or waits to restart, or fails it.
    private func askNext(_ lookupID: UInt64) {
        guard var lookup = lookups[lookupID], lookup.inFlight == 0 else { return }
        if lookup.hops.count >= config.maximumLookupHops {
            finishLookup(lookupID, .failure(.hopLimit))
            return
        }
        if now >= lookup.deadline {
            finishLookup(lookupID, .failure(.timedOut))
            return
        }
        let contact: Contact?
        if let owners = lookup.ownerCandidates {
            if let first = owners.first, first.id == me.id {
                // The next live candidate is this node: it confirms itself without a message.
                completeLookup(lookupID, owner: me, successors: successors)
                return
            }
            contact = owners.first.map(Contact.init)
        } else {
            contact = lookup.nextCandidate()
        }
        guard let contact else {
            scheduleRestart(lookupID, &lookup)
            return
        }
        lookup.asked.append(contact.address)
        lookup.inFlight += 1
        lookups[lookupID] = lookup
        let peer = contact.id.map { Peer(id: $0, address: contact.address) }
        // A routing hop is not retried (the lookup routes around it, still listening for a late
        // answer); a confirmation is retried once, because a named owner is most likely alive
        // and must not lose a race against its successor.
        let confirming = lookup.ownerCandidates != nil
        sendRequest(.findNext(target: lookup.target), to: contact.address, peer: peer, retries: confirming ? 1 : 0,
                    purpose: .lookupHop(lookupID: lookupID, confirmsOwner: confirming))
    }

    private func scheduleRestart(_ lookupID: UInt64, _ lookup: inout Lookup) {
        if now + config.lookupRestartDelay >= lookup.deadline {
            lookups[lookupID] = lookup
            finishLookup(lookupID, .failure(.timedOut))
            return
        }
        lookup.waitingForRestart = true
        lookups[lookupID] = lookup
        deadlines.insert(.lookupRestart(lookupID), at: now + config.lookupRestartDelay)
    }

    func restartLookup(_ lookupID: UInt64) {
        guard let lookup = lookups[lookupID], lookup.waitingForRestart else { return }
        if lookup.initialContacts == nil && phase != .member {
            finishLookup(lookupID, .failure(.notJoined))
            return
        }
        beginRouting(lookupID)
    }

    /// A node answered a step of the lookup, perhaps after the lookup moved on (`late`).
    /// `confirmsOwner` says whether the request asked a named owner to confirm.
    func lookupAnswered(_ lookupID: UInt64, by responder: Peer?, address: NodeAddress, step: LookupStep,
                        roundTrip: Int64, late: Bool, confirmsOwner: Bool) {
        guard var lookup = lookups[lookupID] else { return }
        let hop = LookupHop(address: address, id: responder?.id, roundTrip: roundTrip, confirmsOwner: confirmsOwner)
        if late, let index = lookup.hops.lastIndex(where: { $0.address == address && $0.roundTrip == nil }) {
            lookup.hops[index] = hop
        } else {
            lookup.hops.append(hop)
        }
        if !late { lookup.inFlight -= 1 }
        switch step {
        case .owner(let peers), .closer(let peers):
            for peer in peers { considerCloserSuccessor(peer) }
        }
        if confirmsOwner {
            confirmationAnswered(lookupID, lookup, by: responder, step: step)
            return
        }
        guard lookup.ownerCandidates == nil else {
            // A routing answer that came after another step already named the owner.
            lookups[lookupID] = lookup
            askNext(lookupID)
            return
        }
        switch step {
        case .owner(let list):
            lookups[lookupID] = lookup
            namedOwner(lookupID, list: list, namedBy: responder)
        case .closer(let list):
            if let responder, responder.id.isInOpenInterval(lookup.progress, lookup.target) {
                lookup.progress = responder.id
            }
            lookup.addCandidates(list, excluding: me.id)
            lookups[lookupID] = lookup
            askNext(lookupID)
        }
    }

    /// A named owner answered the confirmation request: it is alive. If it names a different
    /// owner, follow that; otherwise it is the owner (the naming node's view of the range
    /// stands even if this node's predecessor pointer is stale).
    private func confirmationAnswered(_ lookupID: UInt64, _ lookup: Lookup, by responder: Peer?, step: LookupStep) {
        var lookup = lookup
        guard let responder, let owners = lookup.ownerCandidates ?? (lookup.abandonedOwners.isEmpty ? nil : []),
              owners.first == responder || lookup.abandonedOwners.contains(responder) else {
            lookups[lookupID] = lookup
            askNext(lookupID)
            return
        }
        if owners.first == responder, case .owner(let list) = step, let first = list.first,
           first != responder, first.id != me.id {
            lookup.ownerCandidates = list
            lookups[lookupID] = lookup
            askNext(lookupID)
            return
        }
        // The current candidate, or one given up on that answered late (it ranks before the
        // candidates still being tried).
        lookups[lookupID] = lookup
        completeLookup(lookupID, owner: responder,
                       successors: Self.replicas(of: responder, in: step, else: owners.filter { $0 != responder }))
    }

    /// The owner's successors: from its own answer when it names itself first, else `fallback`.
    private static func replicas(of owner: Peer, in step: LookupStep, else fallback: [Peer]) -> [Peer] {
        if case .owner(let list) = step, list.first == owner { return Array(list.dropFirst()) }
        return fallback.filter { $0 != owner }
    }

    /// A routing step (remote or local) named the owner and its successors.
    private func namedOwner(_ lookupID: UInt64, list: [Peer], namedBy namer: Peer?) {
        guard var lookup = lookups[lookupID] else { return }
        let live = list.filter { !isRecentlyDead($0) }
        guard let owner = live.first else {
            scheduleRestart(lookupID, &lookup)
            return
        }
        if !lookup.confirmOwner || owner == namer || owner.id == me.id {
            completeLookup(lookupID, owner: owner, successors: Array(live.dropFirst()))
            return
        }
        lookup.ownerCandidates = live
        lookups[lookupID] = lookup
        askNext(lookupID)
    }

    /// A node asked during the lookup stayed silent past its timeout.
    func lookupHopTimedOut(_ lookupID: UInt64, address: NodeAddress, id: Identifier?, confirmsOwner: Bool) {
        guard var lookup = lookups[lookupID] else { return }
        lookup.inFlight -= 1
        lookup.hops.append(LookupHop(address: address, id: id, roundTrip: nil, confirmsOwner: confirmsOwner))
        if confirmsOwner, var owners = lookup.ownerCandidates, owners.first?.address == address {
            lookup.abandonedOwners.append(owners.removeFirst())
            lookup.ownerCandidates = owners.isEmpty ? nil : owners
            if owners.isEmpty {
                scheduleRestart(lookupID, &lookup)
                return
            }
        }
        lookups[lookupID] = lookup
        askNext(lookupID)
    }

    private func completeLookup(_ lookupID: UInt64, owner: Peer, successors: [Peer]) {
        guard let lookup = lookups[lookupID] else { return }
        let result = LookupResult(target: lookup.target, owner: owner, successors: successors,
                                  hops: lookup.hops, elapsed: now - lookup.started)
        finishLookup(lookupID, .success(result))
    }

    private func finishLookup(_ lookupID: UInt64, _ outcome: Result<LookupResult, LookupFailure>) {
        guard let lookup = lookups.removeValue(forKey: lookupID) else { return }
        if case .failure = outcome { counters.lookupsFailed += 1 }
        switch lookup.purpose {
        case .client(let token):
            effects.append(.lookupCompleted(token: token, outcome))
        case .fixFinger(let index):
            fingerLookupFinished(index: index, outcome)
        case .join:
            joinLookupFinished(outcome)
        case .successorCheck:
            successorCheckFinished(outcome)
        }
    }

    private func joinLookupFinished(_ outcome: Result<LookupResult, LookupFailure>) {
        guard case .joining(let bootstrap) = phase else { return }
        switch outcome {
        case .success(let result):
            var candidates = ([result.owner] + result.successors).filter { $0.id != me.id }
            if candidates.isEmpty, let contact = result.hops.last(where: { $0.roundTrip != nil }),
               let id = contact.id, id != me.id {
                candidates = [Peer(id: id, address: contact.address)]
            }
            walkToSuccessor(candidates, steps: 0)
        case .failure:
            joinAttemptFailed(bootstrap: bootstrap)
        }
    }
}

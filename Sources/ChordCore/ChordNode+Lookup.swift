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
        guard let lookup = lookups[lookupID] else { return }
        lookup.candidates = []
        lookup.asked = []
        lookup.progress = me.id
        lookup.ownerCandidates = nil
        lookup.waitingForRestart = false
        if let contacts = lookup.initialContacts {
            lookup.candidates = contacts
        } else {
            switch lookupStep(for: lookup.target) {
            case .owner(let list):
                namedOwner(lookupID, list: list, namedBy: me)
                return
            case .closer(let list):
                lookup.addCandidates(list, excluding: me.id)
            }
        }
        askNext(lookupID)
    }

    /// Sends the next request of a lookup, or waits to restart, or fails it.
    private func askNext(_ lookupID: UInt64) {
        guard let lookup = lookups[lookupID], lookup.inFlight == 0 else { return }
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
            scheduleRestart(lookupID, lookup)
            return
        }
        lookup.asked.append(contact.address)
        lookup.inFlight += 1
        let peer = contact.id.map { Peer(id: $0, address: contact.address) }
        if lookup.ownerCandidates != nil {
            // Confirmation asks the named owner for its neighbours: its predecessor says whether
            // it really owns the target. Retried once: a named owner is most likely alive and
            // must not lose a race against its successor.
            sendRequest(.getNeighbors, to: contact.address, peer: peer, retries: 1, purpose: .ownerCheck(lookupID: lookupID))
        } else {
            // A routing hop is not retried: the lookup routes around it, still listening for a
            // late answer.
            sendRequest(.findNext(target: lookup.target), to: contact.address, peer: peer, retries: 0,
                        purpose: .lookupHop(lookupID: lookupID))
        }
    }

    private func scheduleRestart(_ lookupID: UInt64, _ lookup: Lookup) {
        if now + config.lookupRestartDelay >= lookup.deadline {
            finishLookup(lookupID, .failure(.timedOut))
            return
        }
        lookup.waitingForRestart = true
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

    /// A node answered a routing step, perhaps after the lookup moved on (`late`).
    func lookupAnswered(_ lookupID: UInt64, by responder: Peer?, address: NodeAddress, step: LookupStep,
                        roundTrip: Int64, late: Bool) {
        guard let lookup = lookups[lookupID] else { return }
        lookup.record(LookupHop(address: address, id: responder?.id, roundTrip: roundTrip), late: late)
        switch step {
        case .owner(let peers), .closer(let peers):
            for peer in peers { considerCloserSuccessor(peer) }
            if case .join = lookup.purpose { for peer in peers.prefix(3) { noteJoinContact(peer.address) } }
        }
        guard lookup.ownerCandidates == nil else {
            // A routing answer that came after another step already named the owner.
            askNext(lookupID)
            return
        }
        switch step {
        case .owner(let list):
            namedOwner(lookupID, list: list, namedBy: responder)
        case .closer(let list):
            if let responder, responder.id.isInOpenInterval(lookup.progress, lookup.target) {
                lookup.progress = responder.id
            }
            lookup.addCandidates(list, excluding: me.id)
            askNext(lookupID)
        }
    }

    /// A named owner answered the confirmation with its predecessor and successor list. It owns
    /// the target if the target lies in (its predecessor, itself]. If its predecessor lies
    /// between the target and it, that predecessor (or one before it) owns the target, unless
    /// it is known dead: confirm that one next. A named owner given up on that answers late
    /// is judged the same way (it ranks before the candidates still being tried).
    func ownerCheckAnswered(_ lookupID: UInt64, by responder: Peer?, address: NodeAddress, predecessor: Peer?,
                            successors list: [Peer], roundTrip: Int64, late: Bool) {
        guard let lookup = lookups[lookupID] else { return }
        lookup.record(LookupHop(address: address, id: responder?.id, roundTrip: roundTrip, confirmsOwner: true), late: late)
        let owners = lookup.ownerCandidates ?? []
        guard let responder, owners.first == responder || lookup.abandonedOwners.contains(responder) else {
            askNext(lookupID)
            return
        }
        if let predecessor, predecessor.id != responder.id,
           !lookup.target.isInHalfOpenInterval(predecessor.id, responder.id),
           !lookup.abandonedOwners.contains(predecessor), !isRecentlyDead(predecessor) {
            if predecessor.id == me.id {
                // We precede the responder, and the target precedes us: our own table decides.
                lookup.ownerCandidates = nil
                beginRouting(lookupID)
                return
            }
            lookup.ownerCandidates = [predecessor, responder] + owners.filter { $0 != responder && $0 != predecessor }
            askNext(lookupID)
            return
        }
        completeLookup(lookupID, owner: responder, successors: list)
    }

    /// A routing step (remote or local) named the owner and its successors.
    private func namedOwner(_ lookupID: UInt64, list: [Peer], namedBy namer: Peer?) {
        guard let lookup = lookups[lookupID] else { return }
        let live = list.filter { !isRecentlyDead($0) }
        guard let owner = live.first else {
            scheduleRestart(lookupID, lookup)
            return
        }
        if !lookup.confirmOwner || owner == namer || owner.id == me.id {
            completeLookup(lookupID, owner: owner, successors: Array(live.dropFirst()))
            return
        }
        lookup.ownerCandidates = live
        askNext(lookupID)
    }

    /// A node asked during the lookup stayed silent past its timeout.
    func lookupHopTimedOut(_ lookupID: UInt64, address: NodeAddress, id: Identifier?, confirmsOwner: Bool) {
        guard let lookup = lookups[lookupID] else { return }
        lookup.inFlight -= 1
        lookup.hops.append(LookupHop(address: address, id: id, roundTrip: nil, confirmsOwner: confirmsOwner))
        if confirmsOwner, var owners = lookup.ownerCandidates, owners.first?.address == address {
            lookup.abandonedOwners.append(owners.removeFirst())
            lookup.ownerCandidates = owners.isEmpty ? nil : owners
            if owners.isEmpty {
                scheduleRestart(lookupID, lookup)
                return
            }
        }
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
        case .clientOperation(let operationID):
            clientLookupFinished(operationID, outcome)
        case .retire(let first):
            retirementLookupFinished(from: first, outcome)
        case .trace(let requester):
            traceFinished(requester, target: lookup.target, hops: lookup.hops, elapsed: now - lookup.started, outcome)
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

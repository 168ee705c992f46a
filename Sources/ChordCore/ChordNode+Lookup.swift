/// Iterative lookups driven by this node: client requests, fix-fingers, joining, successor checks.
extension ChordNode {
    func startLookup(target: Identifier, purpose: LookupPurpose, confirmOwner: Bool, contacts: [Contact]?) {
        counters.lookupsStarted += 1
        let lookupID = nextLookupID
        nextLookupID += 1
        lookups[lookupID] = Lookup(target: target, purpose: purpose, confirmOwner: confirmOwner,
                                   initialContacts: contacts, started: now, deadline: now + config.lookupDeadline,
                                   origin: me.id)
        beginRouting(lookupID)
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
        guard var lookup = lookups[lookupID] else { return }
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
            contact = owners.first.map(Contact.init)
        } else {
            contact = lookup.nextCandidate()
        }
        guard let contact else {
            scheduleRestart(lookupID, &lookup)
            return
        }
        lookup.asked.append(contact.address)
        lookups[lookupID] = lookup
        let peer = contact.id.map { Peer(id: $0, address: contact.address) }
        sendRequest(.findNext(target: lookup.target), to: contact.address, peer: peer, retries: 0,
                    purpose: .lookupHop(lookupID: lookupID))
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

    /// A node answered a step of the lookup.
    func lookupAnswered(_ lookupID: UInt64, by responder: Peer?, address: NodeAddress, step: LookupStep,
                        roundTrip: Int64) {
        guard var lookup = lookups[lookupID] else { return }
        lookup.hops.append(LookupHop(address: address, id: responder?.id, roundTrip: roundTrip,
                                     confirmsOwner: lookup.ownerCandidates != nil))
        switch step {
        case .owner(let peers), .closer(let peers):
            for peer in peers { considerCloserSuccessor(peer) }
        }
        if let owners = lookup.ownerCandidates, let confirmed = owners.first {
            // Confirmation: the named owner is alive. If it names a different owner, follow
            // that; otherwise it is the owner (the naming node's view of the range stands).
            if case .owner(let list) = step, let first = list.first, first != confirmed, first.id != me.id {
                lookup.ownerCandidates = list
                lookups[lookupID] = lookup
                askNext(lookupID)
                return
            }
            var replicas = Array(owners.dropFirst())
            if case .owner(let list) = step, list.first == confirmed { replicas = Array(list.dropFirst()) }
            lookups[lookupID] = lookup
            completeLookup(lookupID, owner: confirmed, successors: replicas)
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

    /// A node asked during the lookup stayed silent.
    func lookupHopTimedOut(_ lookupID: UInt64, address: NodeAddress, id: Identifier?) {
        guard var lookup = lookups[lookupID] else { return }
        lookup.hops.append(LookupHop(address: address, id: id, roundTrip: nil, confirmsOwner: lookup.ownerCandidates != nil))
        if var owners = lookup.ownerCandidates {
            owners.removeFirst()
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

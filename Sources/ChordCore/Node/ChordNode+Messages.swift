/// Datagrams in: each request goes to the concern that serves it, each answer (or silence) to
/// the concern that asked, by the request's `RPCPurpose`.
extension ChordNode {
    func receive(_ envelope: Envelope, from source: NodeAddress) {
        // A sender is taken at its word only when the datagram came from the address it claims.
        let sender = envelope.sender.flatMap { $0.address == source ? $0 : nil }
        if sender != nil {
            messenger.heardFrom(source)
            ring.heardFrom(source)
        }
        // Learn from traffic, but only from senders that are surely members: members answer
        // requests and send notify/announce; a findNext may come from a node still joining.
        if let sender, ring.phase == .member,
           envelope.message.isResponse || envelope.message == .notify || envelope.message == .announce {
            maintenance.considerCloserSuccessor(sender)
        }
        if envelope.message.isResponse {
            receiveResponse(envelope, from: source)
        } else {
            receiveRequest(envelope, from: source, sender: sender)
        }
    }

    // MARK: Requests

    private func receiveRequest(_ envelope: Envelope, from source: NodeAddress, sender: Peer?) {
        // Until it has joined, a node is not part of any ring and must not look like one:
        // an empty answer would shorten its neighbours' successor lists. Silence makes a
        // restarted node look dead until it is back. Whoever writes to it is a way in, though.
        guard ring.phase == .member else {
            if sender != nil { joiner.noteContact(source) }
            return
        }
        context.counters.requestsHandled += 1
        switch envelope.message {
        case .ping:
            messenger.reply(to: envelope, from: source, with: .pong)
        case .getNeighbors:
            messenger.reply(to: envelope, from: source, with: .neighbors(predecessor: ring.predecessor,
                                                                        successors: ring.successors))
        case .notify:
            if let sender { maintenance.rectify(with: sender) }
        case .announce:
            break  // the sender was already considered as a closer successor on arrival
        case .findNext(let target):
            messenger.reply(to: envelope, from: source, with: .nextHop(ring.lookupStep(for: target)))
        case .leaving(let leaverPredecessor, let leaverSuccessors):
            guard let sender else { return }
            coordinator.forgetLocation(sender.address)
            if ring.predecessor == sender {
                // We take over its range; its keys are on their way (and we hold replicas).
                storage.expectHandoff(until: context.now + Repair.handoffWindow)
            }
            maintenance.neighbourLeaving(sender, predecessor: leaverPredecessor, successors: leaverSuccessors)
        case .get, .put, .remove, .traceLookup, .getInfo:
            let key = ReplyCache.Key(source: source, requestID: envelope.requestID)
            guard messenger.beginRemoteRequest(key) else { return }
            clientRequest(envelope.message, requester: .remote(key))
        case .ownerRequest(let operation):
            let key = ReplyCache.Key(source: source, requestID: envelope.requestID)
            guard messenger.beginRemoteRequest(key) else { return }
            replication.ownerRequest(operation, key: key)
        case .store(let entries):
            // Replica traffic is between members only: a client cannot plant entries.
            guard sender != nil else { return refuse(envelope, from: source) }
            messenger.reply(to: envelope, from: source, with: .stored(count: UInt32(storage.storeEntries(entries))))
        case .fetch(let key):
            guard sender != nil else { return refuse(envelope, from: source) }
            messenger.reply(to: envelope, from: source, with: .fetched(storage.fetchEntry(key)))
        case .syncDigest(let lower, let upper, let digests):
            guard let sender else { return refuse(envelope, from: source) }
            messenger.reply(to: envelope, from: source,
                            with: .syncDifferences(buckets: repair.answerDigest(from: sender, lower, upper, digests)))
        case .unknownRequest:
            messenger.reply(to: envelope, from: source, with: .error(.unknownCommand))
        case .pong, .neighbors, .nextHop, .result, .redirect, .trace, .info, .stored, .fetched, .syncDifferences, .error:
            break
        }
    }

    private func refuse(_ envelope: Envelope, from source: NodeAddress) {
        messenger.reply(to: envelope, from: source, with: .error(.badRequest))
    }

    // MARK: Answers

    private func receiveResponse(_ envelope: Envelope, from source: NodeAddress) {
        guard let answer = messenger.match(envelope, from: source) else { return }
        let message = envelope.message
        switch answer.purpose {
        case .stabilizeSuccessor(let successor):
            guard case .neighbors(let predecessor, let list) = message else { return }
            // A successor that knows no predecessor has just (re)started, or lost its
            // predecessor: either way it may lack the keys it replicates for us. (A restart
            // under the same address looks like no change at all to the successor list.)
            if predecessor == nil && config.replicas > 1 { repair.synchronize(with: successor) }
            maintenance.successorAnswered(successor, predecessor: predecessor, successors: list)
        case .stabilizeCandidate(let candidate, _, let walked):
            guard case .neighbors(let predecessor, let list) = message else { return }
            maintenance.candidateAnswered(candidate, predecessor: predecessor, list: list, walked: walked)
        case .checkPredecessor:
            maintenance.predecessorAnswered()
        case .joinWalk(let candidate, _, let steps):
            guard case .neighbors(let predecessor, let list) = message else { return }
            joiner.candidateAnswered(candidate, predecessor: predecessor, list: list, steps: steps)
        case .lookupHop(let lookupID):
            guard case .nextHop(let step) = message, let purpose = lookups.purpose(of: lookupID) else { return }
            // Every peer an answer names is news for the ring (and a way in while joining).
            let named: [Peer]
            switch step { case .owner(let peers), .closer(let peers): named = peers }
            for peer in named { maintenance.considerCloserSuccessor(peer) }
            if case .join = purpose { for peer in named.prefix(3) { joiner.noteContact(peer.address) } }
            lookups.hopAnswered(lookupID, by: answer.responder, address: source, step: step, roundTrip: answer.roundTrip,
                                late: answer.late)
        case .ownerCheck(let lookupID):
            guard case .neighbors(let predecessor, let list) = message else { return }
            lookups.ownerCheckAnswered(lookupID, by: answer.responder, address: source, predecessor: predecessor,
                                       successors: list, roundTrip: answer.roundTrip, late: answer.late)
        case .ownerRequest(let operationID):
            coordinator.ownerAnswered(operationID, by: answer.responder, answer: message)
        case .replicaStore(let operationID):
            replication.replicaStored(operationID)
        case .replicaFetch(let operationID):
            guard case .fetched(let entry) = message else { return }
            replication.replicaFetched(operationID, from: answer.responder, entry: entry)
        case .readRepair:
            break
        case .transferPage(let transferID):
            repair.pageAcknowledged(transferID)
        case .syncDigest(let replica, let lower, let upper):
            guard case .syncDifferences(let buckets) = message else { return }
            repair.differencesReceived(from: replica, lower: lower, upper: upper, buckets: buckets)
        }
    }

    /// A request's first timeout (for requests that listen late) or its last one.
    func requestExpired(_ expiry: Messenger.Expiry) {
        switch expiry {
        case .overdue(.lookupHop(let lookupID), let address, let peer):
            // Route around a slow routing hop at once, but keep listening for its answer.
            lookups.hopTimedOut(lookupID, address: address, id: peer?.id, confirmsOwner: false)
        case .overdue:
            break
        case .failed(let purpose, let address, let peer, let silentCount):
            let suspected = silentCount >= config.suspicionThreshold ? peer : nil
            switch purpose {
            case .stabilizeSuccessor(let successor):
                maintenance.successorSilent(successor)
            case .stabilizeCandidate(_, let fallback, _):
                maintenance.candidateSilent(fallback: fallback)
            case .checkPredecessor(let predecessor):
                maintenance.predecessorSilent(predecessor)
            case .joinWalk(_, let fallback, let steps):
                joiner.candidateSilent(fallback: fallback, steps: steps)
            case .lookupHop:
                if let suspected { maintenance.declareDead(suspected) }
            case .ownerCheck(let lookupID):
                if let suspected { maintenance.declareDead(suspected) }
                lookups.hopTimedOut(lookupID, address: address, id: peer?.id, confirmsOwner: true)
            case .ownerRequest(let operationID):
                coordinator.ownerSilent(operationID, owner: peer)
            case .replicaStore(let operationID), .replicaFetch(let operationID):
                replication.replicaSilent(operationID)
            case .readRepair:
                break
            case .syncDigest(let replica, _, _):
                repair.digestLost(to: replica)
            case .transferPage(let transferID):
                repair.pageLost(transferID)
            }
        }
    }
}

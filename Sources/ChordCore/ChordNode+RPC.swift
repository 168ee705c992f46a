/// Request/response plumbing of the core: sending with a timeout, retransmitting, matching
/// answers, and turning silence into failure suspicion. All timing is the core's own.

/// Why the node sent a request, so that the answer (or silence) can be routed back.
enum RPCPurpose {
    case stabilizeSuccessor(Peer)
    /// `fallback`: the list to adopt if the candidate stays silent (nil: keep the current one).
    case stabilizeCandidate(Peer, fallback: [Peer]?, walked: Int)
    case checkPredecessor(Peer)
    case lookupHop(lookupID: UInt64)
    case ownerCheck(lookupID: UInt64)
    case ownerRequest(operationID: UInt64)
    case replicaStore(operationID: UInt64)
    case replicaFetch(operationID: UInt64)
    case readRepair
    case transferPage(transferID: UInt64)
    case syncDigest(replica: Peer, lower: Identifier, upper: Identifier)
    case joinWalk(Peer, fallback: [Peer], steps: Int)
}

/// A request awaiting its answer.
struct PendingRPC {
    var to: NodeAddress
    var peer: Peer?
    var envelope: Envelope
    var firstSent: Instant
    var deadline: Instant
    var timeout: Int64
    var retriesLeft: Int
    var transmissions: Int
    var purpose: RPCPurpose
    /// A lookup hop whose deadline passed: the lookup has moved on, but an answer that
    /// still arrives before the second deadline is used.
    var late = false
}

/// Things the node's deadline heap can hold.
enum DeadlineKind {
    case rpc(UInt64)
    case lookupRestart(UInt64)
    case ownerDeadline(UInt64)
    case transferResume(UInt64)
    case clientRetry(UInt64)
    case leaveDeadline
    case lookupDeadline(UInt64)
    case joinRetry
}

extension ChordNode {
    /// Sends a request and remembers it until answered or out of retries.
    @discardableResult
    func sendRequest(_ message: Message, to address: NodeAddress, peer: Peer?, retries: Int,
                     purpose: RPCPurpose) -> UInt64 {
        let requestID = nextRequestID
        nextRequestID &+= 2
        let envelope = Envelope(requestID: requestID, sender: me, message: message)
        let timeout = roundTrips.timeout(for: address)
        let rpc = PendingRPC(to: address, peer: peer, envelope: envelope, firstSent: now, deadline: now + timeout,
                             timeout: timeout, retriesLeft: retries, transmissions: 1, purpose: purpose)
        pending[requestID] = rpc
        deadlines.insert(.rpc(requestID), at: rpc.deadline)
        effects.append(.send(envelope, to: address))
        return requestID
    }

    /// Sends a message that expects no answer.
    func sendOneWay(_ message: Message, to address: NodeAddress) {
        let requestID = nextRequestID
        nextRequestID &+= 2
        effects.append(.send(Envelope(requestID: requestID, sender: me, message: message), to: address))
    }

    /// Answers a request.
    func reply(to envelope: Envelope, from source: NodeAddress, with message: Message) {
        effects.append(.send(Envelope(requestID: envelope.requestID, sender: me, message: message), to: source))
    }

    func receive(_ envelope: Envelope, from source: NodeAddress) {
        if let sender = envelope.sender, sender.address == source {
            roundTrips.heardFrom(source)
            if !deadPeers.isEmpty, let dead = deadPeers.removeValue(forKey: source) {
                effects.append(.event(.peerReturned(dead.peer)))
            }
        }
        // Learn from traffic, but only from senders that are surely members: members answer
        // requests and send notify/announce; a findNext may come from a node still joining.
        if let sender = envelope.sender, sender.address == source, phase == .member,
           envelope.message.isResponse || envelope.message == .notify || envelope.message == .announce {
            considerCloserSuccessor(sender)
        }
        if envelope.message.isResponse {
            receiveResponse(envelope, from: source)
        } else {
            receiveRequest(envelope, from: source)
        }
    }

    /// Checks the reply cache: false when the request was seen before (its answer, if any, is
    /// sent again and nothing is applied twice).
    private func beginRemoteRequest(_ key: ReplyCache.Key, envelope: Envelope) -> Bool {
        switch replyCache.state(of: key) {
        case .answered(let answer):
            counters.repliesFromCache += 1
            effects.append(.send(Envelope(requestID: envelope.requestID, sender: me, message: answer), to: key.source))
            return false
        case .inProgress:
            return false
        case .unseen:
            replyCache.begin(key, now: now)
            return true
        }
    }

    private func receiveRequest(_ envelope: Envelope, from source: NodeAddress) {
        // Until it has joined, a node is not part of any ring and must not look like one:
        // an empty answer would shorten its neighbours' successor lists. Silence makes a
        // restarted node look dead until it is back. Whoever writes to it is a way in, though.
        guard phase == .member else {
            if let sender = envelope.sender, sender.address == source { noteJoinContact(source) }
            return
        }
        counters.requestsHandled += 1
        switch envelope.message {
        case .ping:
            reply(to: envelope, from: source, with: .pong)
        case .getNeighbors:
            reply(to: envelope, from: source, with: .neighbors(predecessor: predecessor, successors: successors))
        case .notify:
            if let sender = envelope.sender, sender.address == source { rectify(with: sender) }
        case .announce:
            break  // the sender was already considered as a closer successor on arrival
        case .findNext(let target):
            reply(to: envelope, from: source, with: .nextHop(lookupStep(for: target)))
        case .leaving(let leaverPredecessor, let leaverSuccessors):
            if let sender = envelope.sender, sender.address == source {
                neighbourLeaving(sender, predecessor: leaverPredecessor, successors: leaverSuccessors)
            }
        case .get, .put, .remove, .traceLookup, .getInfo:
            let key = ReplyCache.Key(source: source, requestID: envelope.requestID)
            guard beginRemoteRequest(key, envelope: envelope) else { return }
            handleClientRequest(envelope.message, requester: .remote(key))
        case .ownerRequest(let operation):
            let key = ReplyCache.Key(source: source, requestID: envelope.requestID)
            guard beginRemoteRequest(key, envelope: envelope) else { return }
            let keyID = Identifier.forKey(bytes: operation.key)
            if ownerOperations.count >= config.maximumPendingClientRequests {
                counters.overloadRefusals += 1
                answerRemote(key, with: .result(status: .overloaded, value: nil))
            } else if let refusal = Self.validate(operation) {
                answerRemote(key, with: .result(status: refusal, value: nil))
            } else if owns(keyID) {
                startOwnerOperation(operation, keyID: keyID, requester: .remote(key))
            } else {
                answerRemote(key, with: .redirect(lookupStep(for: keyID)))
            }
        case .store, .fetch, .syncDigest:
            // Replica traffic is between members only: a client cannot plant entries.
            guard let sender = envelope.sender, sender.address == source else {
                reply(to: envelope, from: source, with: .error(.badRequest))
                return
            }
            switch envelope.message {
            case .store(let entries):
                reply(to: envelope, from: source, with: .stored(count: UInt32(storeEntries(entries))))
            case .fetch(let key):
                reply(to: envelope, from: source, with: .fetched(fetchEntry(key)))
            case .syncDigest(let lower, let upper, let digests):
                reply(to: envelope, from: source,
                      with: .syncDifferences(buckets: answerDigest(from: sender, lower, upper, digests)))
            default:
                break
            }
        case .unknownRequest:
            reply(to: envelope, from: source, with: .error(.unknownCommand))
        case .pong, .neighbors, .nextHop, .result, .redirect, .trace, .info, .stored, .fetched, .syncDifferences, .error:
            break
        }
    }

    private func receiveResponse(_ envelope: Envelope, from source: NodeAddress) {
        guard let rpc = pending[envelope.requestID], rpc.to == source, Self.answers(envelope.message, rpc.purpose) else {
            counters.responsesDropped += 1
            return
        }
        pending.removeValue(forKey: envelope.requestID)
        counters.responsesMatched += 1
        if rpc.transmissions == 1 {
            roundTrips.record(sample: now - rpc.firstSent, for: source)
        } else {
            roundTrips.heardFrom(source)
        }
        let roundTrip = now - rpc.firstSent
        switch rpc.purpose {
        case .stabilizeSuccessor(let successor):
            guard case .neighbors(let predecessor, let list) = envelope.message else { return }
            stabilizeHeard(from: successor, predecessor: predecessor, successors: list)
        case .stabilizeCandidate(let candidate, _, let walked):
            guard case .neighbors(let predecessor, let list) = envelope.message else { return }
            adoptSuccessorList(from: candidate, predecessor: predecessor, list: list, walked: walked)
        case .checkPredecessor:
            checkPredecessorInFlight = false
        case .joinWalk(let candidate, _, let steps):
            guard case .neighbors(let predecessor, let list) = envelope.message else { return }
            joinWalkHeard(from: candidate, predecessor: predecessor, list: list, steps: steps)
        case .lookupHop(let lookupID):
            guard case .nextHop(let step) = envelope.message else { return }
            lookupAnswered(lookupID, by: envelope.sender ?? rpc.peer, address: source, step: step, roundTrip: roundTrip,
                           late: rpc.late)
        case .ownerCheck(let lookupID):
            guard case .neighbors(let predecessor, let list) = envelope.message else { return }
            ownerCheckAnswered(lookupID, by: envelope.sender ?? rpc.peer, address: source, predecessor: predecessor,
                               successors: list, roundTrip: roundTrip, late: rpc.late)
        case .ownerRequest(let operationID):
            ownerRequestAnswered(operationID, by: envelope.sender ?? rpc.peer, answer: envelope.message)
        case .replicaStore(let operationID):
            replicaStored(operationID)
        case .replicaFetch(let operationID):
            guard case .fetched(let entry) = envelope.message else { return }
            replicaFetched(operationID, from: envelope.sender ?? rpc.peer, entry: entry)
        case .readRepair:
            break
        case .transferPage(let transferID):
            pageAcknowledged(transferID)
        case .syncDigest(let replica, let lower, let upper):
            guard case .syncDifferences(let buckets) = envelope.message else { return }
            syncDifferencesReceived(from: replica, lower: lower, upper: upper, buckets: buckets)
        }
    }

    private static func answers(_ message: Message, _ purpose: RPCPurpose) -> Bool {
        switch (message, purpose) {
        case (.neighbors, .stabilizeSuccessor), (.neighbors, .stabilizeCandidate),
             (.pong, .checkPredecessor), (.nextHop, .lookupHop), (.neighbors, .joinWalk), (.neighbors, .ownerCheck),
             (.result, .ownerRequest), (.redirect, .ownerRequest), (.stored, .replicaStore), (.fetched, .replicaFetch),
             (.stored, .readRepair), (.stored, .transferPage), (.syncDifferences, .syncDigest):
            return true
        default:
            return false
        }
    }

    /// A request's deadline passed: retransmit, or give up and report the failure.
    func rpcDeadlinePassed(_ requestID: UInt64) {
        guard var rpc = pending[requestID] else { return }
        if case .lookupHop(let lookupID) = rpc.purpose, !rpc.late {
            // Route around a slow routing hop at once, but keep listening for its answer.
            rpc.late = true
            rpc.deadline = now + 2 * rpc.timeout
            pending[requestID] = rpc
            deadlines.insert(.rpc(requestID), at: rpc.deadline)
            lookupHopTimedOut(lookupID, address: rpc.to, id: rpc.peer?.id, confirmsOwner: false)
            return
        }
        if rpc.retriesLeft > 0 {
            rpc.retriesLeft -= 1
            rpc.transmissions += 1
            rpc.timeout = min(rpc.timeout * 2, config.maximumTimeout * 4)
            rpc.deadline = now + rpc.timeout
            pending[requestID] = rpc
            deadlines.insert(.rpc(requestID), at: rpc.deadline)
            counters.retransmissions += 1
            effects.append(.send(rpc.envelope, to: rpc.to))
            return
        }
        pending.removeValue(forKey: requestID)
        counters.rpcFailures += 1
        let silentCount = roundTrips.recordTimeout(for: rpc.to)
        switch rpc.purpose {
        case .stabilizeSuccessor(let successor):
            stabilizeInFlight = false
            declareDead(successor)
            if phase == .member && !successors.isEmpty { stabilize() }
        case .stabilizeCandidate(_, let fallback, _):
            finishSuccessorUpdate(adopting: fallback ?? successors)
        case .checkPredecessor(let old):
            checkPredecessorInFlight = false
            declareDead(old)
        case .joinWalk(_, let fallback, let steps):
            joinWalkTimedOut(fallback: fallback, steps: steps)
        case .lookupHop:
            if let peer = rpc.peer, silentCount >= config.suspicionThreshold { declareDead(peer) }
        case .ownerCheck(let lookupID):
            if let peer = rpc.peer, silentCount >= config.suspicionThreshold { declareDead(peer) }
            lookupHopTimedOut(lookupID, address: rpc.to, id: rpc.peer?.id, confirmsOwner: true)
        case .ownerRequest(let operationID):
            ownerRequestSilent(operationID, owner: rpc.peer)
        case .replicaStore(let operationID), .replicaFetch(let operationID):
            replicaSilent(operationID)
        case .readRepair:
            break
        case .syncDigest(let replica, _, _):
            syncDigestLost(to: replica)
        case .transferPage(let transferID):
            pageLost(transferID)
        }
    }

    /// Removes a silent peer from every routing structure and remembers it: a peer declared
    /// dead may be on the other side of a partition, and is probed again later.
    func declareDead(_ peer: Peer) {
        guard peer != me else { return }
        counters.peersDeclaredDead += 1
        roundTrips.forgetSuspicion(of: peer.address)
        let oldSuccessor = successors.first
        successors.removeAll { $0 == peer }
        if predecessor == peer { setPredecessor(nil) }
        for index in fingers.indices where fingers[index] == peer { fingers[index] = nil }
        if deadPeers.count >= 64, let oldest = deadPeers.min(by: { ($0.value.since, $0.key) < ($1.value.since, $1.key) }) {
            deadPeers.removeValue(forKey: oldest.key)
        }
        deadPeers[peer.address] = (peer, now)
        effects.append(.event(.peerDeclaredDead(peer)))
        if successors.isEmpty && phase == .member { recoverSuccessor() }
        if successors.first != oldSuccessor { effects.append(.event(.successorChanged(successors.first))) }
    }

    /// Whether `peer` was declared dead recently enough that a neighbour's stale list
    /// mentioning it should not bring it back.
    func isRecentlyDead(_ peer: Peer) -> Bool {
        guard let entry = deadPeers[peer.address], entry.peer.id == peer.id else { return false }
        return now - entry.since < 2 * config.stabilizeInterval
    }
}

/// Datagrams in: each is checked (who sent it, whether it may be believed), then each
/// request goes to the concern that serves it, each answer (or silence) to the concern that
/// asked, by the request's `RPCPurpose`. The checks are the "Trust" section of
/// docs/PROTOCOL.md.
extension ChordNode {
    func receive(_ envelope: Envelope, from source: NodeAddress) {
        // The sender a datagram names must be its source, and every peer it names must have
        // the identifier its address gives.
        if let claimed = envelope.sender {
            guard claimed.address == source else { return drop(&context.counters.forgedSenders) }
            guard ring.isGenuine(claimed) else { return drop(&context.counters.wrongIdentities) }
        }
        guard namesGenuinePeers(envelope.message) else { return drop(&context.counters.wrongIdentities) }
        if envelope.message.isResponse {
            receiveResponse(envelope, from: source)
        } else {
            receiveRequest(envelope, from: source)
        }
    }

    private func drop(_ counter: inout Int) {
        counter += 1
    }

    /// Whether every peer `message` names passes the identity rule.
    private func namesGenuinePeers(_ message: Message) -> Bool {
        switch message {
        case .neighbors(let predecessor, let list), .leaving(let predecessor, let list):
            if let predecessor, !ring.isGenuine(predecessor) { return false }
            return list.allSatisfy(ring.isGenuine)
        case .nextHop(let step), .redirect(let step):
            switch step { case .owner(let list), .closer(let list): return list.allSatisfy(ring.isGenuine) }
        default:
            return true
        }
    }

    // MARK: Requests

    private func receiveRequest(_ envelope: Envelope, from source: NodeAddress) {
        let sender = envelope.sender
        // Until it has joined, a node is not part of any ring and must not look like one:
        // an empty answer would shorten its neighbours' successor lists. Silence makes a
        // restarted node look dead until it is back. Whoever writes to it is a way in, though.
        guard ring.phase == .member else {
            if sender != nil { joiner.noteContact(source) }
            return
        }
        let request = messenger.inbound(envelope, from: source)
        switch messenger.admit(source) {
        case .admit:
            break
        case .refuse:
            context.counters.rateLimited += 1
            return messenger.reply(to: request, with: .error(.overloaded))
        case .drop:
            return drop(&context.counters.rateLimited)
        }
        // A member message is acted on only with the cookie this node gave its source: an
        // off-path sender that forges a member's address never received it. The read-only
        // queries (ping, getNeighbors, findNext) are answered without it, like a client's
        // requests, within the 3x limit and with no effect on this node's state.
        if let sender {
            if request.validated {
                messenger.heardFrom(source)
                ring.heardFrom(source)
                if envelope.message == .notify || envelope.message == .announce {
                    maintenance.considerCloserSuccessor(sender)
                }
            } else if !envelope.message.isReadOnlyQuery {
                return messenger.demandCookie(request)
            }
        }
        context.counters.requestsHandled += 1
        switch envelope.message {
        case .ping:
            messenger.reply(to: request, with: .pong)
        case .getNeighbors:
            messenger.reply(to: request, with: .neighbors(predecessor: ring.predecessor, successors: ring.successors))
        case .notify:
            if let sender { maintenance.rectify(with: sender) }
        case .announce:
            break  // the sender was already considered as a closer successor above
        case .findNext(let target):
            messenger.reply(to: request, with: .nextHop(ring.lookupStep(for: target)))
        case .leaving(let leaverPredecessor, let leaverSuccessors):
            guard let sender else { return }
            coordinator.forgetLocation(sender.address)
            storage.forgetHandoffSource(sender)
            if ring.predecessor == sender {
                // We take over its range; its keys are on their way (and we hold replicas).
                storage.expectHandoff(until: context.now + Repair.handoffWindow)
            }
            maintenance.neighbourLeaving(sender, predecessor: leaverPredecessor, successors: leaverSuccessors)
        case .get, .put, .remove, .traceLookup, .getInfo:
            guard messenger.beginRemoteRequest(request) else { return }
            clientRequest(envelope.message, requester: .remote(request))
        case .ownerRequest(let operation):
            guard sender != nil else { return messenger.reply(to: request, with: .error(.badRequest)) }
            guard messenger.beginRemoteRequest(request) else { return }
            replication.ownerRequest(operation, from: request)
        case .store(let entries):
            // Replica traffic is between members only, and only for keys the sender may send.
            guard let sender else { return messenger.reply(to: request, with: .error(.badRequest)) }
            let (kept, refused) = storage.storeEntries(entries) { ring.mayHold($0, from: sender) }
            if refused > 0 && entries.contains(where: { ring.owns(Identifier.forKey(bytes: $0.key)) })
                && ring.beginConfirming(sender) {
                // Keys this node owns, from a node the ring does not place near them: a hint,
                // not a fact. A lookup of the sender's identifier checks that it is a member,
                // so that its next hand-over is accepted (`Ring.mayHold`).
                startLookup(LookupRequest(target: sender.id, purpose: .confirmMember(sender), confirmOwner: true))
            }
            // `stored` means every entry of the page is here (kept, or held in a newer
            // version): a sender that retires its copies deletes them on it. So a page with
            // any entry refused is refused as a whole (those accepted stay: they are newer).
            let answer: Message = refused > 0 ? .error(.notResponsible) : .stored(count: UInt32(kept))
            // `stored` promises the entries survive this node's crash: it waits until they are
            // durable (at once for a node without a disk).
            if storage.isAllDurable {
                messenger.reply(to: request, with: answer)
            } else {
                storage.hold(answer, to: request)
            }
        case .fetch(let key):
            guard sender != nil else { return messenger.reply(to: request, with: .error(.badRequest)) }
            messenger.reply(to: request, with: .fetched(storage.fetchEntry(key)))
        case .syncDigest(let lower, let upper, let digests):
            guard let sender else { return messenger.reply(to: request, with: .error(.badRequest)) }
            messenger.reply(to: request,
                            with: .syncDifferences(buckets: repair.answerDigest(from: sender, lower, upper, digests)))
        case .unknownRequest:
            messenger.reply(to: request, with: .error(.unknownCommand))
        case .pong, .neighbors, .nextHop, .result, .redirect, .trace, .info, .stored, .fetched, .syncDifferences, .error:
            break
        }
    }

    // MARK: Answers

    private func receiveResponse(_ envelope: Envelope, from source: NodeAddress) {
        // Only an answer to one of our requests counts: its random request id proves the
        // answerer received the request at the address asked. (An answer to a request without
        // the answerer's cookie names no sender: the answerer is the peer asked.)
        guard let answer = messenger.match(envelope, from: source) else { return }
        if case .joining = ring.phase {
            if case .joinProbe = answer.purpose {
                joiner.answerArrived(from: source, probe: true)
            } else {
                joiner.answerArrived(from: source, probe: false)
            }
        }
        messenger.heardFrom(source)
        ring.heardFrom(source)
        ring.heardInAnswer(from: source)
        if let responder = answer.responder, responder.address == source, ring.phase == .member {
            maintenance.considerCloserSuccessor(responder)
        }
        let message = envelope.message
        if case .error = message { return requestRefused(answer, from: source) }
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
        case .checkPredecessor(let predecessor):
            if case .neighbors(let itsPredecessor, _) = message {
                maintenance.predecessorAnswered(predecessor, itsPredecessor: itsPredecessor)
            } else {
                maintenance.predecessorAnswered(predecessor)
            }
        case .predecessorChain(let index, let link):
            guard case .neighbors(let itsPredecessor, _) = message else { return }
            maintenance.chainAnswered(index: index, link: link, itsPredecessor: itsPredecessor)
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
        case .cookieFor, .verifyPredecessor, .verifyFinger:
            reachabilityConfirmed(answer.purpose, at: source)
        case .joinProbe:
            break  // noted above
        }
    }

    /// A ping sent to learn a cookie or to verify a peer was answered (any answer will do: it
    /// came from whoever received the ping).
    private func reachabilityConfirmed(_ purpose: RPCPurpose, at source: NodeAddress) {
        switch purpose {
        case .cookieFor(let message):
            messenger.deliver(message, to: source)
        case .verifyPredecessor(let candidate):
            maintenance.predecessorCheckEnded(candidate, answered: true)
        case .verifyFinger(let index, let owner):
            maintenance.fingerOwnerAnswered(index: index, owner: owner)
        default:
            break
        }
    }

    /// An answer that refuses the request (`error`): the asker goes on as if the peer had
    /// been silent, except that a peer that answers is never declared dead.
    private func requestRefused(_ answer: Messenger.Answer, from source: NodeAddress) {
        let peer = answer.responder
        switch answer.purpose {
        case .stabilizeSuccessor:
            maintenance.successorRefused()
        case .stabilizeCandidate(_, let fallback, _):
            maintenance.candidateSilent(fallback: fallback)
        case .checkPredecessor(let predecessor):
            maintenance.predecessorAnswered(predecessor)
        case .predecessorChain:
            break
        case .joinWalk(_, let fallback, let steps):
            joiner.candidateSilent(fallback: fallback, steps: steps)
        case .lookupHop(let lookupID):
            // A late refusal changes nothing: the lookup moved on when the hop timed out.
            if !answer.late { lookups.hopTimedOut(lookupID, address: source, id: peer?.id, confirmsOwner: false) }
        case .ownerCheck(let lookupID):
            lookups.hopTimedOut(lookupID, address: source, id: peer?.id, confirmsOwner: true)
        case .ownerRequest(let operationID):
            coordinator.ownerSilent(operationID, owner: peer)
        case .replicaStore(let operationID), .replicaFetch(let operationID):
            replication.replicaSilent(operationID, peer: peer)
        case .readRepair:
            break
        case .transferPage(let transferID):
            repair.pageLost(transferID)
        case .syncDigest(let replica, _, _):
            repair.digestLost(to: replica)
        case .cookieFor, .verifyPredecessor, .verifyFinger:
            reachabilityConfirmed(answer.purpose, at: source)
        case .joinProbe:
            break  // any answer will do: noted on arrival
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
                replication.replicaSilent(operationID, peer: peer)
            case .readRepair, .predecessorChain:
                break
            case .verifyPredecessor(let candidate):
                maintenance.predecessorCheckEnded(candidate, answered: false)
            case .syncDigest(let replica, _, _):
                repair.digestLost(to: replica)
            case .transferPage(let transferID):
                repair.pageLost(transferID)
            case .cookieFor:
                context.counters.undeliverable += 1
            case .verifyFinger(let index, _):
                maintenance.fingerOwnerSilent(index: index)
            case .joinProbe:
                break  // the stall report will say nothing answered
            }
        }
    }
}

/// The coordinator's side of storage: any node accepts a client's get, put or remove,
/// finds the key's owner (a one-hop guess from its location cache, else a Chord lookup) and
/// hands it the operation; a redirect or a silent owner sends it round again, until the
/// answer or the deadline. Retransmitted requests are answered from the reply cache.
extension ChordNode {
    /// Owners a client operation may try before it gives up (its deadline usually comes first).
    static let maximumOwnerAttempts = 16

    /// Routes a client operation again: at once the first time, then after a back-off that
    /// doubles from 50 ms to 500 ms. Right after a failure the ring disagrees with itself for
    /// a moment (a restarted node does not know its predecessor yet and redirects; a dead
    /// owner is still named by its predecessor), and retrying at once would burn every
    /// attempt in a millisecond; waiting lets stabilize settle it within the deadline.
    func retryClientOperation(_ operationID: UInt64) {
        guard let operation = clientOperations[operationID] else { return }
        guard operation.attempts >= 2 else {
            routeClientOperation(operationID)
            return
        }
        let delay = min(Nanos.milliseconds(50) << Int64(min(operation.attempts - 2, 4)), Nanos.milliseconds(500))
        deadlines.insert(.clientRetry(operationID), at: now + delay)
    }

    /// A client request (get, put, remove, trace, info) from the network or a local caller.
    func handleClientRequest(_ message: Message, requester: ClientRequester) {
        switch message {
        case .get(let key):
            coordinate(.get(key: key), requester: requester)
        case .put(let key, let value):
            coordinate(.put(key: key, value: value), requester: requester)
        case .remove(let key):
            coordinate(.remove(key: key), requester: requester)
        case .getInfo:
            finishClient(requester, .info(nodeInfo()))
        case .traceLookup(let target):
            guard phase == .member else {
                finishClient(requester, .trace(LookupTrace(target: target, status: .unavailable, hops: [], owner: nil,
                                                           successors: [], elapsed: 0)))
                return
            }
            startLookup(target: target, purpose: .trace(requester), confirmOwner: true, contacts: nil)
        default:
            finishClient(requester, .error(.unknownCommand))
        }
    }

    private func coordinate(_ operation: StorageOperation, requester: ClientRequester) {
        if let refusal = Self.validate(operation) {
            finishClient(requester, .result(status: refusal, value: nil))
            return
        }
        guard phase == .member else {
            finishClient(requester, .result(status: .unavailable, value: nil))
            return
        }
        guard clientOperations.count < config.maximumPendingClientRequests else {
            counters.overloadRefusals += 1
            finishClient(requester, .result(status: .overloaded, value: nil))
            return
        }
        let keyID = Identifier.forKey(bytes: operation.key)
        let operationID = nextOperationID
        nextOperationID += 1
        clientOperations[operationID] = ClientOperation(requester: requester, operation: operation, keyID: keyID,
                                                        deadline: now + config.clientRequestDeadline)
        if nextClientSweep.nanoseconds == .max { nextClientSweep = now + Self.clientSweepInterval }
        routeClientOperation(operationID)
    }

    /// Why an operation is refused before any work, or nil.
    static func validate(_ operation: StorageOperation) -> Status? {
        let key = operation.key
        guard !key.isEmpty, key.count <= StorageLimits.maximumKeyBytes else { return .keyTooLarge }
        guard String(validating: key, as: UTF8.self) != nil else { return .badRequest }
        if case .put(_, let value) = operation, value.count > StorageLimits.maximumValueBytes { return .valueTooLarge }
        return nil
    }

    /// Finds the owner of an operation's key and hands the operation over.
    func routeClientOperation(_ operationID: UInt64) {
        guard let operation = clientOperations[operationID] else { return }
        operation.attempts += 1
        guard operation.attempts <= Self.maximumOwnerAttempts else {
            finishClientOperation(operationID, .result(status: .timedOut, value: nil))
            return
        }
        if owns(operation.keyID) {
            startOwnerOperation(operation.operation, keyID: operation.keyID, requester: .coordinator(operationID: operationID))
            return
        }
        if !operation.needsLookup, config.locationCacheSize > 0,
           let guess = locationCache.presumedOwner(of: operation.keyID), guess.id != me.id {
            sendOwnerRequest(operationID, to: guess)
            return
        }
        startLookup(target: operation.keyID, purpose: .clientOperation(operationID), confirmOwner: operation.needsLookup,
                    contacts: nil)
    }

    /// The lookup for a client operation's key finished.
    func clientLookupFinished(_ operationID: UInt64, _ outcome: Result<LookupResult, LookupFailure>) {
        guard let operation = clientOperations[operationID] else { return }
        switch outcome {
        case .success(let result):
            learnLocations([result.owner] + result.successors)
            if result.owner.id == me.id {
                if owns(operation.keyID) {
                    startOwnerOperation(operation.operation, keyID: operation.keyID,
                                        requester: .coordinator(operationID: operationID))
                } else {
                    operation.needsLookup = true
                    retryClientOperation(operationID)
                }
            } else {
                sendOwnerRequest(operationID, to: result.owner)
            }
        case .failure:
            finishClientOperation(operationID, .result(status: .timedOut, value: nil))
        }
    }

    private func sendOwnerRequest(_ operationID: UInt64, to owner: Peer) {
        guard let operation = clientOperations[operationID] else { return }
        sendRequest(.ownerRequest(operation.operation), to: owner.address, peer: owner, retries: 2,
                    purpose: .ownerRequest(operationID: operationID))
    }

    /// The owner asked answered, or redirected.
    func ownerRequestAnswered(_ operationID: UInt64, by responder: Peer?, answer: Message) {
        guard let operation = clientOperations[operationID] else { return }
        switch answer {
        case .redirect(let step):
            if case .owner(let list) = step, let owner = list.first, owner.id != responder?.id, owner.id != me.id,
               operation.attempts < 3 {
                // Follow the responder's hint straight away, once or twice.
                learnLocations(list)
                operation.attempts += 1
                sendOwnerRequest(operationID, to: owner)
            } else {
                operation.needsLookup = true
                retryClientOperation(operationID)
            }
        default:
            if let responder { locationCache.learn(responder) }
            finishClientOperation(operationID, answer)
        }
    }

    /// The owner asked stayed silent through its retries: look the owner up afresh.
    func ownerRequestSilent(_ operationID: UInt64, owner: Peer?) {
        guard let operation = clientOperations[operationID] else { return }
        if let owner { locationCache.forget(owner.address) }
        operation.needsLookup = true
        retryClientOperation(operationID)
    }

    /// The answer from this node's own owner operation.
    func clientOperationAnswered(_ operationID: UInt64, _ answer: Message) {
        finishClientOperation(operationID, answer)
    }

    /// How often requests past their deadline are looked for (instead of one timer entry per
    /// request, which at thousands of requests a second costs memory for nothing).
    static let clientSweepInterval = Nanos.milliseconds(250)

    /// Answers `timedOut` to every client request past its deadline (in request order).
    func sweepClientOperations() {
        let expired = clientOperations.filter { $0.value.deadline <= now }.map(\.key).sorted()
        for operationID in expired { finishClientOperation(operationID, .result(status: .timedOut, value: nil)) }
        nextClientSweep = clientOperations.isEmpty ? Instant(nanoseconds: .max) : now + Self.clientSweepInterval
    }

    private func finishClientOperation(_ operationID: UInt64, _ answer: Message) {
        guard let operation = clientOperations.removeValue(forKey: operationID) else { return }
        finishClient(operation.requester, answer)
    }

    /// Answers a client request.
    func finishClient(_ requester: ClientRequester, _ answer: Message) {
        switch requester {
        case .remote(let key):
            answerRemote(key, with: answer)
        case .local(let token):
            effects.append(.requestCompleted(token: token, answer))
        }
    }

    /// Sends an answer to a remote request and remembers it for retransmissions.
    func answerRemote(_ key: ReplyCache.Key, with answer: Message) {
        replyCache.finish(key, reply: answer, now: now)
        effects.append(.send(Envelope(requestID: key.requestID, sender: me, message: answer), to: key.source))
    }

    func learnLocations(_ peers: [Peer]) {
        guard config.locationCacheSize > 0 else { return }
        for peer in peers where peer.id != me.id { locationCache.learn(peer) }
    }

    // MARK: Describing this node

    /// This node's view of the ring and its store.
    func nodeInfo() -> NodeInfo {
        let lower = predecessor?.id ?? lastPredecessorID
        let counts: (owned: Int, other: Int)
        if let lower {
            counts = store.liveCounts(ownedFrom: lower, to: me.id)
        } else if successors.isEmpty {
            counts = (store.liveCount, 0)
        } else {
            counts = (0, store.liveCount)
        }
        return NodeInfo(predecessor: predecessor, successors: successors, fingers: distinctFingers,
                        ownedKeys: UInt64(counts.owned), replicaKeys: UInt64(counts.other),
                        tombstones: UInt64(store.tombstoneCount), storedBytes: UInt64(store.byteCount))
    }

    /// A trace lookup finished: answer with every hop.
    func traceFinished(_ requester: ClientRequester, target: Identifier, hops: [LookupHop], elapsed: Int64,
                       _ outcome: Result<LookupResult, LookupFailure>) {
        switch outcome {
        case .success(let result):
            finishClient(requester, .trace(LookupTrace(target: target, status: .ok, hops: result.hops, owner: result.owner,
                                                       successors: result.successors, elapsed: result.elapsed)))
        case .failure(let failure):
            let status: Status = failure == .notJoined ? .unavailable : (failure == .hopLimit ? .internalFailure : .timedOut)
            finishClient(requester, .trace(LookupTrace(target: target, status: status, hops: hops, owner: nil,
                                                       successors: [], elapsed: elapsed)))
        }
    }
}

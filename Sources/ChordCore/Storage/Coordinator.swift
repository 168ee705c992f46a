/// The coordinator's side of storage: any node accepts a client's get, put or remove, finds
/// the key's owner (a one-hop guess from its location cache, else a Chord lookup) and hands it
/// the operation; a redirect or a silent owner sends it round again, until the answer or the
/// deadline. It also answers a client's traces. Retransmitted requests are answered from the
/// messenger's reply cache.
final class Coordinator {
    private let context: NodeContext
    private let ring: Ring
    private let lookups: Lookups
    private let replication: Replication
    private let messenger: Messenger
    private var me: Peer { context.me }
    private var config: NodeConfig { context.config }

    private var operations: [UInt64: ClientOperation] = [:]
    private var nextOperationID: UInt64 = 1
    /// Key and value bytes the operations hold.
    private var pendingBytes = 0
    /// Peers recently seen to own keys: the one-hop guess at an owner.
    private var locationCache: LocationCache
    /// When requests past their deadline are next looked for (never while none is pending).
    private(set) var nextSweep = Instant.never

    /// Owners a client operation may try before it gives up (its deadline usually comes first).
    static let maximumOwnerAttempts = 16
    /// How often requests past their deadline are looked for (instead of one timer entry per
    /// request, which at thousands of requests a second costs memory for nothing).
    static let sweepInterval = Nanos.milliseconds(250)

    init(context: NodeContext, ring: Ring, lookups: Lookups, replication: Replication, messenger: Messenger) {
        self.context = context
        self.ring = ring
        self.lookups = lookups
        self.replication = replication
        self.messenger = messenger
        self.locationCache = LocationCache(capacity: context.config.locationCacheSize)
    }

    // MARK: Client requests

    /// A client's get, put, remove or trace, from the network or a local caller.
    func handle(_ message: Message, requester: ClientRequester) {
        switch message {
        case .get(let key):
            coordinate(.get(key: key), requester: requester)
        case .put(let key, let value):
            coordinate(.put(key: key, value: value), requester: requester)
        case .remove(let key):
            coordinate(.remove(key: key), requester: requester)
        case .traceLookup(let target):
            guard ring.phase == .member, lookups.count < config.maximumPendingClientRequests else {
                let status: Status = ring.phase == .member ? .overloaded : .unavailable
                answer(requester, .trace(LookupTrace(target: target, status: status, hops: [], owner: nil,
                                                     successors: [], elapsed: 0)))
                return
            }
            lookups.start(LookupRequest(target: target, purpose: .trace(requester), confirmOwner: true))
        default:
            answer(requester, .error(.unknownCommand))
        }
    }

    private func coordinate(_ operation: StorageOperation, requester: ClientRequester) {
        if let refusal = operation.refusal {
            answer(requester, .result(status: refusal, value: nil))
            return
        }
        guard ring.phase == .member else {
            answer(requester, .result(status: .unavailable, value: nil))
            return
        }
        guard operations.count < config.maximumPendingClientRequests,
              pendingBytes + operation.byteCount <= config.maximumPendingBytes else {
            context.counters.overloadRefusals += 1
            answer(requester, .result(status: .overloaded, value: nil))
            return
        }
        let keyID = Identifier.forKey(bytes: operation.key)
        let operationID = nextOperationID
        nextOperationID += 1
        operations[operationID] = ClientOperation(requester: requester, operation: operation, keyID: keyID,
                                                  deadline: context.now + config.clientRequestDeadline)
        pendingBytes += operation.byteCount
        if nextSweep == .never { nextSweep = context.now + Self.sweepInterval }
        route(operationID)
    }

    /// Finds the owner of an operation's key and hands the operation over.
    func route(_ operationID: UInt64) {
        guard let operation = operations[operationID] else { return }
        operation.attempts += 1
        guard operation.attempts <= Self.maximumOwnerAttempts else {
            finish(operationID, .result(status: .timedOut, value: nil))
            return
        }
        if ring.owns(operation.keyID) {
            replication.start(operation.operation, keyID: operation.keyID, requester: .coordinator(operationID: operationID))
            return
        }
        if !operation.needsLookup, config.locationCacheSize > 0,
           let guess = locationCache.presumedOwner(of: operation.keyID), guess.id != me.id {
            sendOwnerRequest(operationID, to: guess)
            return
        }
        lookups.start(LookupRequest(target: operation.keyID, purpose: .clientOperation(operationID: operationID),
                                    confirmOwner: operation.needsLookup))
    }

    /// Routes a client operation again: at once the first time, then after a back-off that
    /// doubles from 50 ms to 500 ms. Right after a failure the ring disagrees with itself for
    /// a moment (a restarted node does not know its predecessor yet and redirects; a dead
    /// owner is still named by its predecessor), and retrying at once would burn every
    /// attempt in a millisecond; waiting lets stabilize settle it within the deadline.
    private func retry(_ operationID: UInt64) {
        guard let operation = operations[operationID] else { return }
        guard operation.attempts >= 2 else {
            route(operationID)
            return
        }
        let delay = min(Nanos.milliseconds(50) << Int64(min(operation.attempts - 2, 4)), Nanos.milliseconds(500))
        context.schedule(.clientRetry(operationID: operationID), at: context.now + delay)
    }

    /// The lookup for a client operation's key finished.
    func lookupFinished(_ operationID: UInt64, _ outcome: Result<LookupResult, LookupFailure>) {
        guard let operation = operations[operationID] else { return }
        switch outcome {
        case .success(let result):
            learnLocations([result.owner] + result.successors)
            if result.owner.id == me.id {
                if ring.owns(operation.keyID) {
                    replication.start(operation.operation, keyID: operation.keyID,
                                      requester: .coordinator(operationID: operationID))
                } else {
                    operation.needsLookup = true
                    retry(operationID)
                }
            } else {
                sendOwnerRequest(operationID, to: result.owner)
            }
        case .failure:
            finish(operationID, .result(status: .timedOut, value: nil))
        }
    }

    private func sendOwnerRequest(_ operationID: UInt64, to owner: Peer) {
        guard let operation = operations[operationID] else { return }
        messenger.request(.ownerRequest(operation.operation), to: owner.address, peer: owner, retries: 2,
                          purpose: .ownerRequest(operationID: operationID))
    }

    /// The owner asked answered, or redirected.
    func ownerAnswered(_ operationID: UInt64, by responder: Peer?, answer: Message) {
        guard let operation = operations[operationID] else { return }
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
                retry(operationID)
            }
        default:
            if let responder { locationCache.learn(responder) }
            finish(operationID, answer)
        }
    }

    /// The owner asked stayed silent through its retries: look the owner up afresh.
    func ownerSilent(_ operationID: UInt64, owner: Peer?) {
        guard let operation = operations[operationID] else { return }
        if let owner { locationCache.forget(owner.address) }
        operation.needsLookup = true
        retry(operationID)
    }

    /// This node, as the key's owner, finished the operation.
    func localOwnerAnswered(_ operationID: UInt64, _ answer: Message) {
        finish(operationID, answer)
    }

    /// Answers `timedOut` to every client request past its deadline (in request order), if
    /// the sweep is due.
    func sweepIfDue() {
        let now = context.now
        guard now >= nextSweep else { return }
        let expired = operations.filter { $0.value.deadline <= now }.map(\.key).sorted()
        for operationID in expired { finish(operationID, .result(status: .timedOut, value: nil)) }
        nextSweep = operations.isEmpty ? .never : now + Self.sweepInterval
    }

    private func finish(_ operationID: UInt64, _ answer: Message) {
        guard let operation = operations.removeValue(forKey: operationID) else { return }
        pendingBytes -= operation.operation.byteCount
        self.answer(operation.requester, answer)
    }

    /// Answers a client request.
    func answer(_ requester: ClientRequester, _ answer: Message) {
        switch requester {
        case .remote(let request):
            messenger.answerRemote(request, with: answer)
        case .local(let token):
            context.emit(.requestCompleted(token: token, answer))
        }
    }

    // MARK: Where keys are

    private func learnLocations(_ peers: [Peer]) {
        guard config.locationCacheSize > 0 else { return }
        for peer in peers where peer.id != me.id { locationCache.learn(peer) }
    }

    /// A peer is known to have left: stop guessing it.
    func forgetLocation(_ address: NodeAddress) {
        locationCache.forget(address)
    }

    // MARK: Traces

    /// A trace lookup finished: answer with every hop.
    func traceFinished(_ requester: ClientRequester, _ lookup: FinishedLookup) {
        switch lookup.outcome {
        case .success(let result):
            answer(requester, .trace(LookupTrace(target: lookup.target, status: .ok, hops: result.hops, owner: result.owner,
                                                 successors: result.successors, elapsed: result.elapsed)))
        case .failure(let failure):
            let status: Status = failure == .notJoined ? .unavailable : (failure == .hopLimit ? .internalFailure : .timedOut)
            answer(requester, .trace(LookupTrace(target: lookup.target, status: status, hops: lookup.hops, owner: nil,
                                                 successors: [], elapsed: lookup.elapsed)))
        }
    }
}

/// Who asked for a client operation.
enum ClientRequester {
    /// A client over the network: answer to its address with its request id (and remember
    /// the answer in the reply cache).
    case remote(Messenger.Inbound)
    /// A local caller (`Input.request`), answered with `.requestCompleted`.
    case local(token: UInt64)
}

/// A get, put or remove this node coordinates for a client: find the key's owner, hand it
/// the operation, follow redirects and route around silent owners until an answer or the
/// deadline.
final class ClientOperation {
    let requester: ClientRequester
    let operation: StorageOperation
    let keyID: Identifier
    /// When it must be answered (`timedOut` if nothing better by then).
    let deadline: Instant
    /// Owners asked so far (bounded).
    var attempts = 0
    /// Whether the next owner must come from a full lookup (the shortcut failed).
    var needsLookup = false

    init(requester: ClientRequester, operation: StorageOperation, keyID: Identifier, deadline: Instant) {
        self.requester = requester
        self.operation = operation
        self.keyID = keyID
        self.deadline = deadline
    }
}

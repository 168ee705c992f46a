/// The owner's side of storage: a key's owner (the node whose range (predecessor, self] holds
/// the key's identifier) versions each write, stores it, and replicates it to its next R − 1
/// successors, answering once W replicas (itself included) hold it; a read consults R'
/// replicas, answers the newest and repairs the stale ones. W + R' > R, so a read always meets
/// the latest acknowledged write.
///
/// An operation is asked for by a coordinator elsewhere (answered over the network) or by this
/// node's own `Coordinator`; the answers for the latter wait in `localAnswers` for `ChordNode`
/// to hand over.
final class Replication {
    private let context: NodeContext
    private let ring: Ring
    private let storage: Storage
    private let messenger: Messenger
    private var config: NodeConfig { context.config }

    private var operations: [UInt64: OwnerOperation] = [:]
    private var nextOperationID: UInt64 = 1
    /// Key and value bytes the operations hold.
    private var pendingBytes = 0
    /// Answers for this node's own coordinator, in order.
    private var localAnswers: [(operationID: UInt64, answer: Message)] = []
    /// Writes that have their replicas' acknowledgements but wait for this node's own copy
    /// to be durable (`NodeConfig.persistent`).
    private var awaitingDurability: [UInt64] = []

    init(context: NodeContext, ring: Ring, storage: Storage, messenger: Messenger) {
        self.context = context
        self.ring = ring
        self.storage = storage
        self.messenger = messenger
    }

    /// Takes the first answer for this node's coordinator, if any.
    func takeLocalAnswer() -> (operationID: UInt64, answer: Message)? {
        localAnswers.isEmpty ? nil : localAnswers.removeFirst()
    }

    /// A coordinator elsewhere asks this node to carry out `operation` as the key's owner:
    /// refuse it (overloaded, invalid), carry it out, or redirect to the owner we know of.
    func ownerRequest(_ operation: StorageOperation, from request: Messenger.Inbound) {
        let keyID = Identifier.forKey(bytes: operation.key)
        if operations.count >= config.maximumPendingClientRequests
            || pendingBytes + operation.byteCount > config.maximumPendingBytes {
            context.counters.overloadRefusals += 1
            messenger.answerRemote(request, with: .result(status: .overloaded, value: nil))
        } else if let refusal = operation.refusal {
            messenger.answerRemote(request, with: .result(status: refusal, value: nil))
        } else if ring.owns(keyID) {
            start(operation, keyID: keyID, requester: .remote(request))
        } else {
            messenger.answerRemote(request, with: .redirect(ring.lookupStep(for: keyID)))
        }
    }

    /// Starts an operation as the key's owner (the caller checked `Ring.owns`).
    func start(_ operation: StorageOperation, keyID: Identifier, requester: OwnerRequester) {
        let candidates = ring.replicaCandidates
        let replicaCount = min(config.replicas - 1, candidates.count)
        switch operation {
        case .put(let key, let value):
            let existing = storage.item(keyID, key: key)
            if let status = storage.quotaRefusal(key: key, value: value, existing: existing) {
                answer(requester, .result(status: status, value: nil))
                return
            }
            let entry = StoredEntry(key: key, value: value, version: storage.nextVersion(after: existing?.version))
            storage.apply(entry, id: keyID)
            replicate(entry, keyID: keyID, operation: operation, requester: requester, candidates: candidates,
                      replicaCount: replicaCount, status: .ok)
        case .remove(let key):
            let existing = storage.item(keyID, key: key)
            let entry = StoredEntry(key: key, value: nil, version: storage.nextVersion(after: existing?.version))
            storage.apply(entry, id: keyID)
            let status: Status = (existing == nil || existing!.isTombstone) ? .notFound : .ok
            replicate(entry, keyID: keyID, operation: operation, requester: requester, candidates: candidates,
                      replicaCount: replicaCount, status: status)
        case .get(let key):
            var needed = min(config.readQuorum - 1, replicaCount)
            // A new owner (its range just changed hands) may not hold the keys yet, and under
            // membership change the read quorum may meet only replicas as new as it: ask every
            // replica (at least the successor, which had them) until the hand-off window ends.
            var spare = candidates
            var extra: Peer?
            if storage.isAwaitingHandoff {
                needed = max(replicaCount, candidates.isEmpty ? 0 : 1)
                // The node that held the range until now is asked too: it has the writes made
                // while this node (and perhaps its replicas) were away. Only while it is still
                // one of our successors: one that left or died would only cost a timeout.
                if let source = storage.handoffSource, ring.successors.contains(source), !spare.prefix(needed).contains(source) {
                    spare.removeAll { $0 == source }
                    spare.insert(source, at: 0)
                    needed += 1
                    extra = source
                }
            }
            let operationID = takeOperationID()
            let state = OwnerOperation(operation: operation, keyID: keyID, requester: requester, needed: needed,
                                       spare: spare)
            state.extraSource = extra
            state.entry = storage.item(keyID, key: key)?.entry
            insert(state, as: operationID)
            if needed == 0 {
                completeRead(operationID)
                return
            }
            for _ in 0..<needed { askNextReplica(operationID) }
            context.schedule(.ownerDeadline(operationID: operationID), at: context.now + config.replicaDeadline)
        }
    }

    private func insert(_ state: OwnerOperation, as operationID: UInt64) {
        operations[operationID] = state
        pendingBytes += state.operation.byteCount
    }

    private func remove(_ operationID: UInt64) {
        if let state = operations.removeValue(forKey: operationID) { pendingBytes -= state.operation.byteCount }
    }

    private func takeOperationID() -> UInt64 {
        defer { nextOperationID += 1 }
        return nextOperationID
    }

    private func replicate(_ entry: StoredEntry, keyID: Identifier, operation: StorageOperation,
                           requester: OwnerRequester, candidates: [Peer], replicaCount: Int, status: Status) {
        let needed = min(config.writeQuorum - 1, replicaCount)
        let operationID = takeOperationID()
        let state = OwnerOperation(operation: operation, keyID: keyID, requester: requester, needed: needed,
                                   spare: candidates)
        state.entry = entry
        state.writeStatus = status
        state.localBatch = storage.barrier
        insert(state, as: operationID)
        // Every designated replica gets the write; the first `needed` acknowledgements answer.
        for _ in 0..<replicaCount { askNextReplica(operationID) }
        if needed == 0 && storage.isDurable(state.localBatch) {
            finish(operationID, .result(status: status, value: nil))
            return
        }
        context.schedule(.ownerDeadline(operationID: operationID), at: context.now + config.replicaDeadline)
        if needed == 0 { quorumReached(operationID) }
    }

    /// A write has its replicas' acknowledgements: it is answered once this node's own copy
    /// is durable too (at once without `NodeConfig.persistent`).
    private func quorumReached(_ operationID: UInt64) {
        guard let state = operations[operationID] else { return }
        if storage.isDurable(state.localBatch) {
            finish(operationID, .result(status: state.writeStatus, value: nil))
        } else if !awaitingDurability.contains(operationID) {
            awaitingDurability.append(operationID)
        }
    }

    /// More of this node's store is durable: answer the writes that waited for it.
    func durabilityAdvanced() {
        let waiting = awaitingDurability
        awaitingDurability.removeAll()
        for operationID in waiting {
            guard let state = operations[operationID], !state.finished else { continue }
            quorumReached(operationID)
        }
    }

    /// Sends the operation's request to the next untried successor.
    private func askNextReplica(_ operationID: UInt64) {
        guard let state = operations[operationID], !state.spare.isEmpty else { return }
        let replica = state.spare.removeFirst()
        state.outstanding += 1
        if state.isRead {
            messenger.request(.fetch(key: state.operation.key), to: replica.address, peer: replica, retries: 1,
                              purpose: .replicaFetch(operationID: operationID))
        } else if let entry = state.entry {
            messenger.request(.store(entries: [entry]), to: replica.address, peer: replica, retries: 1,
                              purpose: .replicaStore(operationID: operationID), minimumTimeout: config.storeAnswerTimeout)
        }
    }

    /// A replica acknowledged a write.
    func replicaStored(_ operationID: UInt64) {
        guard let state = operations[operationID] else { return }
        state.outstanding -= 1
        guard !state.finished else {
            if state.outstanding == 0 { remove(operationID) }
            return
        }
        state.needed -= 1
        if state.needed <= 0 { quorumReached(operationID) }
    }

    /// A replica answered a read with what it holds.
    func replicaFetched(_ operationID: UInt64, from replica: Peer?, entry: StoredEntry?) {
        guard let state = operations[operationID] else { return }
        state.outstanding -= 1
        // A replica's answer is a claim, not a fact: an entry that is malformed or from the
        // future counts as no entry (it would win every comparison and be repaired everywhere).
        let entry = entry.flatMap { storage.isAcceptable($0) ? $0 : nil }
        if let entry { storage.observe(entry.version) }
        if let replica { state.readAnswers.append((replica, entry?.version)) }
        if let entry, entry.key == state.operation.key, entry.version > (state.entry?.version ?? .zero) {
            state.entry = entry
        }
        guard !state.finished else { return }
        state.needed -= 1
        if state.needed <= 0 { completeRead(operationID) }
    }

    /// A replica stayed silent (or refused): try the next successor instead. The node that
    /// handed this one its range, asked on top of the replicas, is not replaced: the read
    /// goes on without its answer.
    func replicaSilent(_ operationID: UInt64, peer: Peer?) {
        guard let state = operations[operationID] else { return }
        state.outstanding -= 1
        if state.finished {
            if state.outstanding == 0 { remove(operationID) }
            return
        }
        if let extra = state.extraSource, peer == extra {
            state.extraSource = nil
            state.needed -= 1
            if state.needed <= 0 { completeRead(operationID) }
            return
        }
        if !state.spare.isEmpty {
            askNextReplica(operationID)
        } else if state.outstanding == 0 {
            finish(operationID, .result(status: .unavailable, value: nil))
        }
    }

    /// The replica round ran out of time.
    func deadlinePassed(_ operationID: UInt64) {
        guard let state = operations[operationID], !state.finished else { return }
        finish(operationID, .result(status: .unavailable, value: nil))
    }

    /// A read has its quorum: answer the newest, repair whoever holds older.
    private func completeRead(_ operationID: UInt64) {
        guard let state = operations[operationID] else { return }
        if let newest = state.entry {
            if storage.apply(newest, id: state.keyID) { context.counters.readRepairs += 1 }
            for answer in state.readAnswers where answer.version.map({ $0 < newest.version }) ?? true {
                context.counters.readRepairs += 1
                messenger.request(.store(entries: [newest]), to: answer.peer.address, peer: answer.peer, retries: 0,
                                  purpose: .readRepair)
            }
        }
        if let value = state.entry?.value {
            finish(operationID, .result(status: .ok, value: value))
        } else {
            finish(operationID, .result(status: .notFound, value: nil))
        }
    }

    private func finish(_ operationID: UInt64, _ answer: Message) {
        guard let state = operations[operationID], !state.finished else { return }
        state.finished = true
        if state.outstanding == 0 || state.isRead { remove(operationID) }
        self.answer(state.requester, answer)
    }

    private func answer(_ requester: OwnerRequester, _ answer: Message) {
        switch requester {
        case .remote(let request):
            messenger.answerRemote(request, with: answer)
        case .coordinator(let operationID):
            localAnswers.append((operationID, answer))
        }
    }
}

/// Who is waiting for an owner operation's outcome.
enum OwnerRequester {
    /// A coordinator elsewhere, answered with `.result` (and remembered in the reply cache).
    case remote(Messenger.Inbound)
    /// A client operation this node coordinates itself.
    case coordinator(operationID: UInt64)
}

/// A write or read this node carries out as a key's owner: it stores or reads locally, then
/// asks replicas along its successor list until a quorum has answered.
///
/// Replicas are tried in successor order; the first `needed` are asked at once, and each one
/// that stays silent is replaced by the next successor, so a dead replica costs a timeout,
/// not the operation.
final class OwnerOperation {
    let operation: StorageOperation
    let keyID: Identifier
    let requester: OwnerRequester
    /// Remote answers still needed (acknowledgements for a write, entries for a read).
    var needed: Int
    /// Successors not asked yet, nearest first.
    var spare: [Peer]
    /// Requests out.
    var outstanding = 0
    /// For a write: the entry written. For a read: the newest entry seen so far.
    var entry: StoredEntry?
    /// For a write: the status to answer once the quorum is reached.
    var writeStatus = Status.ok
    /// For a write: the batch of this node's store that holds it (`Storage.barrier`).
    var localBatch: UInt64 = 0
    /// For a read during a hand-off window: the node that handed the range over, asked on
    /// top of the replicas (its silence does not fail the read).
    var extraSource: Peer?
    /// For a read: replicas that answered, with what they hold (for read repair).
    var readAnswers: [(peer: Peer, version: Version?)] = []
    var finished = false

    init(operation: StorageOperation, keyID: Identifier, requester: OwnerRequester, needed: Int, spare: [Peer]) {
        self.operation = operation
        self.keyID = keyID
        self.requester = requester
        self.needed = needed
        self.spare = spare
    }

    var isRead: Bool {
        if case .get = operation { return true }
        return false
    }
}

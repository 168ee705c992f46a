/// The owner's side of storage: a key's owner (the node whose range (predecessor, self]
/// holds the key's identifier) versions each write, stores it, and replicates it to its next
/// R − 1 successors, answering once W replicas (itself included) hold it; a read consults R'
/// replicas, answers the newest and repairs the stale ones. W + R' > R, so a read always
/// meets the latest acknowledged write.
extension ChordNode {
    /// Whether this node owns `id`: it lies in (predecessor, self]. Without a predecessor
    /// (it just died, or none has notified yet) the last known one bounds the range; a node
    /// alone owns everything.
    public func owns(_ id: Identifier) -> Bool {
        guard phase == .member else { return false }
        if let predecessor { return id.isInHalfOpenInterval(predecessor.id, me.id) }
        if successors.isEmpty { return true }
        if let lastPredecessorID { return id.isInHalfOpenInterval(lastPredecessorID, me.id) }
        return false
    }

    /// The replica set after the owner: its successors, nearest first.
    var replicaCandidates: [Peer] { successors.filter { $0.id != me.id } }

    /// Wall-clock milliseconds for version timestamps.
    var wallMilliseconds: Int64 { (now.nanoseconds &+ config.wallClockOffset) / 1_000_000 }

    /// Starts an operation as the key's owner (the caller checked `owns`).
    func startOwnerOperation(_ operation: StorageOperation, keyID: Identifier, requester: OwnerRequester) {
        let candidates = replicaCandidates
        let replicaCount = min(config.replicas - 1, candidates.count)
        switch operation {
        case .put(let key, let value):
            let existing = storedItem(keyID, key: key)
            if let status = quotaRefusal(keyID: keyID, key: key, value: value, existing: existing) {
                finishOwnerRequest(requester, .result(status: status, value: nil))
                return
            }
            let entry = StoredEntry(key: key, value: value, version: nextVersion(after: existing?.version))
            store.apply(entry, id: keyID)
            replicate(entry, keyID: keyID, operation: operation, requester: requester, candidates: candidates,
                      replicaCount: replicaCount, status: .ok)
        case .remove(let key):
            let existing = storedItem(keyID, key: key)
            let entry = StoredEntry(key: key, value: nil, version: nextVersion(after: existing?.version))
            store.apply(entry, id: keyID)
            let status: Status = (existing == nil || existing!.isTombstone) ? .notFound : .ok
            replicate(entry, keyID: keyID, operation: operation, requester: requester, candidates: candidates,
                      replicaCount: replicaCount, status: status)
        case .get(let key):
            var needed = min(config.readQuorum - 1, replicaCount)
            // A new owner (its range just changed hands) may not hold the keys yet, and under
            // membership change the read quorum may meet only replicas as new as it: ask every
            // replica (at least the successor, which had them) until the hand-off window ends.
            if isAwaitingHandoff { needed = max(replicaCount, candidates.isEmpty ? 0 : 1) }
            let operationID = nextOperationID
            nextOperationID += 1
            let state = OwnerOperation(operation: operation, keyID: keyID, requester: requester, needed: needed,
                                       spare: candidates)
            state.entry = storedItem(keyID, key: key)?.entry
            ownerOperations[operationID] = state
            if needed == 0 {
                completeRead(operationID)
                return
            }
            for _ in 0..<needed { askNextReplica(operationID) }
            deadlines.insert(.ownerDeadline(operationID), at: now + config.replicaDeadline)
        }
    }

    private func replicate(_ entry: StoredEntry, keyID: Identifier, operation: StorageOperation,
                           requester: OwnerRequester, candidates: [Peer], replicaCount: Int, status: Status) {
        let needed = min(config.writeQuorum - 1, replicaCount)
        let operationID = nextOperationID
        nextOperationID += 1
        let state = OwnerOperation(operation: operation, keyID: keyID, requester: requester, needed: needed,
                                   spare: candidates)
        state.entry = entry
        state.writeStatus = status
        ownerOperations[operationID] = state
        // Every designated replica gets the write; the first `needed` acknowledgements answer.
        for _ in 0..<replicaCount { askNextReplica(operationID) }
        if needed == 0 {
            finishOwnerOperation(operationID, .result(status: status, value: nil))
        } else {
            deadlines.insert(.ownerDeadline(operationID), at: now + config.replicaDeadline)
        }
    }

    /// Sends the operation's request to the next untried successor.
    private func askNextReplica(_ operationID: UInt64) {
        guard let state = ownerOperations[operationID], !state.spare.isEmpty else { return }
        let replica = state.spare.removeFirst()
        state.outstanding += 1
        if state.isRead {
            sendRequest(.fetch(key: state.operation.key), to: replica.address, peer: replica, retries: 1,
                        purpose: .replicaFetch(operationID: operationID))
        } else if let entry = state.entry {
            sendRequest(.store(entries: [entry]), to: replica.address, peer: replica, retries: 1,
                        purpose: .replicaStore(operationID: operationID))
        }
    }

    /// A replica acknowledged a write.
    func replicaStored(_ operationID: UInt64) {
        guard let state = ownerOperations[operationID] else { return }
        state.outstanding -= 1
        guard !state.finished else {
            if state.outstanding == 0 { ownerOperations.removeValue(forKey: operationID) }
            return
        }
        state.needed -= 1
        if state.needed <= 0 { finishOwnerOperation(operationID, .result(status: state.writeStatus, value: nil)) }
    }

    /// A replica answered a read with what it holds.
    func replicaFetched(_ operationID: UInt64, from replica: Peer?, entry: StoredEntry?) {
        guard let state = ownerOperations[operationID] else { return }
        state.outstanding -= 1
        if let entry { clock.observe(entry.version.timestamp, wallMilliseconds: wallMilliseconds) }
        if let replica { state.readAnswers.append((replica, entry?.version)) }
        if let entry, entry.key == state.operation.key, entry.version > (state.entry?.version ?? .zero) {
            state.entry = entry
        }
        guard !state.finished else { return }
        state.needed -= 1
        if state.needed <= 0 { completeRead(operationID) }
    }

    /// A replica stayed silent: try the next successor instead.
    func replicaSilent(_ operationID: UInt64) {
        guard let state = ownerOperations[operationID] else { return }
        state.outstanding -= 1
        if state.finished {
            if state.outstanding == 0 { ownerOperations.removeValue(forKey: operationID) }
            return
        }
        if !state.spare.isEmpty {
            askNextReplica(operationID)
        } else if state.outstanding == 0 {
            finishOwnerOperation(operationID, .result(status: .unavailable, value: nil))
        }
    }

    /// The replica round ran out of time.
    func ownerDeadlinePassed(_ operationID: UInt64) {
        guard let state = ownerOperations[operationID], !state.finished else { return }
        finishOwnerOperation(operationID, .result(status: .unavailable, value: nil))
    }

    /// A read has its quorum: answer the newest, repair whoever holds older.
    private func completeRead(_ operationID: UInt64) {
        guard let state = ownerOperations[operationID] else { return }
        if let newest = state.entry {
            if store.apply(newest, id: state.keyID) { counters.readRepairs += 1 }
            for answer in state.readAnswers where answer.version.map({ $0 < newest.version }) ?? true {
                counters.readRepairs += 1
                sendRequest(.store(entries: [newest]), to: answer.peer.address, peer: answer.peer, retries: 0,
                            purpose: .readRepair)
            }
        }
        if let value = state.entry?.value {
            finishOwnerOperation(operationID, .result(status: .ok, value: value))
        } else {
            finishOwnerOperation(operationID, .result(status: .notFound, value: nil))
        }
    }

    private func finishOwnerOperation(_ operationID: UInt64, _ answer: Message) {
        guard let state = ownerOperations[operationID], !state.finished else { return }
        state.finished = true
        if state.outstanding == 0 || state.isRead { ownerOperations.removeValue(forKey: operationID) }
        finishOwnerRequest(state.requester, answer)
    }

    private func finishOwnerRequest(_ requester: OwnerRequester, _ answer: Message) {
        switch requester {
        case .remote(let key):
            answerRemote(key, with: answer)
        case .coordinator(let operationID):
            clientOperationAnswered(operationID, answer)
        }
    }

    /// A fresh version for a write accepted now, newer than `existing` (the key's current
    /// version here) even if that came from a clock too far ahead for the node's own clock to
    /// follow: a write after a read of the key always wins.
    func nextVersion(after existing: Version? = nil) -> Version {
        var timestamp = clock.next(wallMilliseconds: wallMilliseconds)
        if let existing, existing.timestamp >= timestamp { timestamp = existing.timestamp == .max ? .max : existing.timestamp + 1 }
        return Version(timestamp: timestamp, writer: me.id.low)
    }

    /// The item stored for a key, if its bytes match.
    func storedItem(_ keyID: Identifier, key: [UInt8]) -> KeyValueStore.Item? {
        guard let item = store.item(keyID), item.key.elementsEqual(key) else { return nil }
        return item
    }

    /// `.outOfSpace` if storing this value would break a quota, else nil.
    private func quotaRefusal(keyID: Identifier, key: [UInt8], value: [UInt8], existing: KeyValueStore.Item?) -> Status? {
        let isNew = existing == nil || existing!.isTombstone
        if let maximumKeys = config.maximumKeys, isNew, store.liveCount >= maximumKeys { return .outOfSpace }
        if let maximumBytes = config.maximumBytes {
            let growth = key.count + value.count - (existing?.byteCount ?? 0)
            if growth > 0 && store.byteCount + growth > maximumBytes { return .outOfSpace }
        }
        return nil
    }

    // MARK: Replica side

    /// Entries from an owner (replication, read repair, hand-off, anti-entropy): keep the
    /// newer ones. Quotas are not applied here: refusing would lose data being handed over.
    func storeEntries(_ entries: [StoredEntry]) -> Int {
        var kept = 0
        for entry in entries {
            clock.observe(entry.version.timestamp, wallMilliseconds: wallMilliseconds)
            if store.apply(entry, id: .forKey(bytes: entry.key)) { kept += 1 }
        }
        return kept
    }

    /// What this node holds for a key.
    func fetchEntry(_ key: [UInt8]) -> StoredEntry? {
        storedItem(.forKey(bytes: key), key: key)?.entry
    }

    /// Whether a new owner is still waiting for its keys to arrive.
    var isAwaitingHandoff: Bool {
        guard let until = awaitingHandoffUntil else { return false }
        return now < until
    }
}

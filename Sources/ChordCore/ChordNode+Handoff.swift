/// Moving keys between nodes: when a node joins, its successor hands it the keys of the
/// range it now owns; a leaving node hands everything to its successor and tells its
/// neighbours. Pages fit one datagram, are acknowledged, resent when lost, and share the
/// repair budget.
extension ChordNode {
    /// Largest page payload (entries), leaving room for headers within one datagram.
    static let pageBytes = 60_000
    /// Most entries in one page.
    static let pageEntries = 512
    /// How long a new owner also asks its successor about keys it misses.
    static let handoffWindow = Nanos.seconds(15)

    /// The predecessor moved from `old` to `new`: if `new` joined between them, it now owns
    /// (old, new] and gets those keys.
    func predecessorMoved(from old: Peer?, to new: Peer?) {
        guard let new, phase == .member else { return }
        let lower = old?.id ?? lastPredecessorID ?? me.id
        lastPredecessorID = new.id
        if new.id != lower {
            // The owned range changed: bring every replica up to date with it now, and while
            // that happens read from all of them.
            if !new.id.isInOpenInterval(lower, me.id) { awaitingHandoffUntil = now + Self.handoffWindow }
            for replica in replicaCandidates.prefix(config.replicas - 1) { synchronize(with: replica) }
        }
        guard new.id.isInOpenInterval(lower, me.id) else { return }
        let moving = store.identifiers(in: lower, new.id)
        guard !moving.isEmpty else { return }
        // With replication this node stays a replica of the range (it is the new owner's
        // successor), so the keys are copied; with one replica they move.
        startTransfer(to: new, reason: .handoff, identifiers: moving, deleteAfterwards: config.replicas == 1)
    }

    @discardableResult
    func startTransfer(to target: Peer, reason: Transfer.Reason, identifiers: [Identifier], deleteAfterwards: Bool) -> UInt64 {
        let transferID = nextOperationID
        nextOperationID += 1
        transfers[transferID] = Transfer(target: target, reason: reason, identifiers: identifiers,
                                         deleteAfterwards: deleteAfterwards)
        counters.transfersStarted += 1
        sendNextPage(transferID)
        return transferID
    }

    /// Sends the transfer's next page, or finishes it.
    func sendNextPage(_ transferID: UInt64) {
        guard let transfer = transfers[transferID], transfer.inFlight.isEmpty else { return }
        var page: [StoredEntry] = []
        var bytes = 0
        var index = transfer.cursor
        while index < transfer.identifiers.count && page.count < Self.pageEntries {
            let id = transfer.identifiers[index]
            if let item = store.item(id) {
                let size = item.byteCount + 32
                if !page.isEmpty && bytes + size > Self.pageBytes { break }
                page.append(item.entry)
                transfer.inFlight.append((id, item.version))
                bytes += size
            }
            index += 1
        }
        guard !page.isEmpty else {
            transfer.cursor = index
            finishTransfer(transferID)
            return
        }
        if transfer.reason != .leave, let later = repairBudget.spend(bytes, now: now) {
            transfer.inFlight = []
            deadlines.insert(.transferResume(transferID), at: later)
            return
        }
        transfer.cursor = index
        counters.pagesSent += 1
        sendRequest(.store(entries: page), to: transfer.target.address, peer: transfer.target, retries: 4,
                    purpose: .transferPage(transferID: transferID))
    }

    /// The target acknowledged a page.
    func pageAcknowledged(_ transferID: UInt64) {
        guard let transfer = transfers[transferID] else { return }
        if transfer.deleteAfterwards {
            for (id, version) in transfer.inFlight where !isResponsible(for: id) {
                if let item = store.item(id), item.version == version { store.delete(id) }
            }
        }
        transfer.inFlight = []
        sendNextPage(transferID)
    }

    /// A page went unanswered through its retries: give up (anti-entropy will catch up).
    func pageLost(_ transferID: UInt64) {
        guard let transfer = transfers[transferID] else { return }
        transfer.abandoned = true
        counters.transfersAbandoned += 1
        finishTransfer(transferID)
    }

    private func finishTransfer(_ transferID: UInt64) {
        guard let transfer = transfers.removeValue(forKey: transferID) else { return }
        if repairTransfers[transfer.target.address] == transferID { repairTransfers.removeValue(forKey: transfer.target.address) }
        if transfer.reason == .leave { completeLeave(handedOff: !transfer.abandoned) }
    }

    // MARK: Leaving

    /// Graceful leave: tell the successor first (it takes over the range at once), then the
    /// predecessor, then hand every key to the successor; done when the last page is
    /// acknowledged or the leave deadline passes.
    func beginLeave() {
        guard phase == .member, !isLeaving, let successor = successors.first else {
            effects.append(.leaveCompleted(handedOff: store.liveCount + store.tombstoneCount == 0))
            return
        }
        isLeaving = true
        sendOneWay(.leaving(predecessor: predecessor, successors: successors), to: successor.address)
        if let predecessor, predecessor.id != successor.id {
            sendOneWay(.leaving(predecessor: predecessor, successors: successors), to: predecessor.address)
        }
        deadlines.insert(.leaveDeadline, at: now + config.leaveDeadline)
        startTransfer(to: successor, reason: .leave, identifiers: store.allIdentifiers, deleteAfterwards: false)
    }

    func completeLeave(handedOff: Bool) {
        guard isLeaving, phase == .member else { return }
        phase = .idle
        effects.append(.leaveCompleted(handedOff: handedOff))
    }

    /// A neighbour is leaving: close the gap it leaves.
    func neighbourLeaving(_ leaver: Peer, predecessor leaverPredecessor: Peer?, successors leaverSuccessors: [Peer]) {
        locationCache.forget(leaver.address)
        for index in fingers.indices where fingers[index] == leaver { fingers[index] = nil }
        if predecessor == leaver {
            // We take over its range; its keys are on their way (and we hold replicas).
            awaitingHandoffUntil = now + Self.handoffWindow
            setPredecessor(leaverPredecessor.flatMap { $0.id == me.id ? nil : $0 })
        }
        if successors.contains(leaver) {
            let position = successors.firstIndex(of: leaver)!
            adoptList(Array(successors[..<position]) + leaverSuccessors + Array(successors[(position + 1)...]))
            notifySuccessor()
        }
    }
}

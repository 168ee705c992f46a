/// Ring maintenance after Zave ("Reasoning about identifier spaces: how to make Chord
/// correct", IEEE TSE 2017): stabilize adopts `[successor] + successor's list`, moves to the
/// successor's predecessor when it lies between, and notifies; rectify (notify's receiver)
/// adopts a better predecessor; check-predecessor clears a dead one.
extension ChordNode {
    /// How many predecessor links one stabilize round may walk back after the successor.
    /// Zave's protocol walks one per round; walking a few more converges faster after mass
    /// joins or after a node had to skip ahead to a finger, and changes nothing else.
    static let stabilizeWalkLimit = 32

    /// Stabilize: ask the first successor for its predecessor and successor list. If another
    /// successor update is in flight, stabilize runs as soon as it ends.
    func stabilize() {
        guard phase == .member else { return }
        guard !stabilizeInFlight else {
            stabilizeDeferred = true
            return
        }
        stabilizeDeferred = false
        if successors.isEmpty {
            // Alone: a predecessor means someone joined; it is also our successor (n, n).
            guard let predecessor else { return }
            adoptList([predecessor])
            guard !successors.isEmpty else { return }
        }
        let successor = successors[0]
        stabilizeInFlight = true
        sendRequest(.getNeighbors, to: successor.address, peer: successor, retries: config.maintenanceRetries,
                    purpose: .stabilizeSuccessor(successor))
    }

    /// The successor answered: adopt its list, or first try its predecessor if that lies
    /// between us.
    func stabilizeHeard(from successor: Peer, predecessor candidate: Peer?, successors list: [Peer]) {
        // A successor that knows no predecessor has just (re)started, or lost its predecessor:
        // either way it may lack the keys it replicates for us. (A restart under the same
        // address looks like no change at all to the successor list.)
        if candidate == nil && config.replicas > 1 { synchronize(with: successor) }
        considerCandidate(candidate, before: successor, list: list, walked: 0)
    }

    /// A candidate between us and our successor answered: adopt it and its list.
    func adoptSuccessorList(from candidate: Peer, predecessor: Peer?, list: [Peer], walked: Int) {
        considerCandidate(predecessor, before: candidate, list: list, walked: walked)
    }

    private func considerCandidate(_ candidate: Peer?, before successor: Peer, list: [Peer], walked: Int) {
        let adopted = [successor] + list
        if let candidate, candidate != me, walked < Self.stabilizeWalkLimit,
           candidate.id.isInOpenInterval(me.id, successor.id), !isRecentlyDead(candidate) {
            sendRequest(.getNeighbors, to: candidate.address, peer: candidate, retries: 1,
                        purpose: .stabilizeCandidate(candidate, fallback: adopted, walked: walked + 1))
            return
        }
        finishSuccessorUpdate(adopting: adopted)
    }

    /// Ends a stabilize round or candidate check: adopt, notify, and run a deferred stabilize.
    func finishSuccessorUpdate(adopting list: [Peer]) {
        stabilizeInFlight = false
        adoptList(list)
        notifySuccessor()
        if stabilizeDeferred { nextStabilize = now }
    }

    /// Replaces the successor list with `list` made valid: without this node, without
    /// duplicates, without peers just declared dead, cut where it would wrap past this node,
    /// and at most r long.
    func adoptList(_ list: [Peer]) {
        let old = successors.first
        var result: [Peer] = []
        result.reserveCapacity(config.successorListLength)
        var lastDistance = Identifier.zero
        for peer in list where peer.id != me.id && !isRecentlyDead(peer) {
            let distance = me.id.distance(to: peer.id)
            if distance > lastDistance {
                result.append(peer)
                lastDistance = distance
                if result.count == config.successorListLength { break }
            } else if distance < lastDistance {
                break
            }
        }
        successors = result
        if successors.isEmpty && phase == .member { recoverSuccessor() }
        if successors.first != old { effects.append(.event(.successorChanged(successors.first))) }
    }

    /// A live member `peer` was heard from or named: if it lies between us and our successor,
    /// our successor is wrong. Verify it the way stabilize verifies its successor's
    /// predecessor (ask it for its neighbours, walking further back if need be) and adopt it.
    /// Moving to a closer live node never breaks the ring's order, so any source of news will
    /// do; this is what integrates racing joiners quickly, and mends interleaved rings.
    func considerCloserSuccessor(_ peer: Peer) {
        guard phase == .member, !stabilizeInFlight, peer.id != me.id else { return }
        if let successor = successors.first {
            guard peer.id.isInOpenInterval(me.id, successor.id) else { return }
        }
        guard !isRecentlyDead(peer) else { return }
        stabilizeInFlight = true
        sendRequest(.getNeighbors, to: peer.address, peer: peer, retries: 1,
                    purpose: .stabilizeCandidate(peer, fallback: nil, walked: 0))
    }

    /// Tells the first successor we believe we are its predecessor.
    func notifySuccessor() {
        guard let successor = successors.first else { return }
        sendOneWay(.notify, to: successor.address)
    }

    /// Rectify: `candidate` says it is our predecessor.
    func rectify(with candidate: Peer) {
        guard candidate != me, phase != .idle else { return }
        if let predecessor {
            if candidate.id.isInOpenInterval(predecessor.id, me.id) { setPredecessor(candidate) }
        } else {
            setPredecessor(candidate)
        }
        if phase == .member && successors.isEmpty {
            // We were alone: the newcomer is our successor too. Stabilize right away.
            adoptList([candidate])
            nextStabilize = now
        }
    }

    func setPredecessor(_ peer: Peer?) {
        guard peer != predecessor else { return }
        let old = predecessor
        predecessor = peer
        effects.append(.event(.predecessorChanged(peer)))
        predecessorMoved(from: old, to: peer)
    }

    /// Check-predecessor: ping it; silence (after retries) clears it.
    func checkPredecessor() {
        guard let predecessor, !checkPredecessorInFlight else { return }
        checkPredecessorInFlight = true
        sendRequest(.ping, to: predecessor.address, peer: predecessor, retries: config.maintenanceRetries,
                    purpose: .checkPredecessor(predecessor))
    }

    /// Every successor is gone: take the nearest live-looking peer we still know clockwise
    /// (a finger or the predecessor); stabilize then walks back to the true successor.
    func recoverSuccessor() {
        var best: Peer?
        var bestDistance = Identifier.max
        var candidates = fingers.compactMap { $0 }
        if let predecessor { candidates.append(predecessor) }
        for peer in candidates where peer.id != me.id && !isRecentlyDead(peer) {
            let distance = me.id.distance(to: peer.id)
            if distance < bestDistance {
                best = peer
                bestDistance = distance
            }
        }
        if let best {
            successors = [best]
            nextStabilize = now
        }
    }
}

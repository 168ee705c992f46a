/// Ring maintenance after Zave ("Reasoning about identifier spaces: how to make Chord
/// correct", IEEE TSE 2017): stabilize adopts `[successor] + successor's list`, moves to the
/// successor's predecessor when it lies between, and notifies; rectify (notify's receiver)
/// adopts a better predecessor; check-predecessor clears a dead one.
extension ChordNode {
    /// How many predecessor links one stabilize round may walk back after the successor.
    /// Zave's protocol walks one per round; walking a few more converges faster after mass
    /// joins or after a node had to skip ahead to a finger, and changes nothing else.
    static let stabilizeWalkLimit = 8

    /// Stabilize: ask the first successor for its predecessor and successor list.
    func stabilize() {
        guard phase == .member, !stabilizeInFlight else { return }
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
        stabilizeInFlight = false
        adoptList(adopted)
        notifySuccessor()
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
        predecessor = peer
        effects.append(.event(.predecessorChanged(peer)))
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

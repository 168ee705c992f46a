/// Routing decisions: who owns an identifier, and who is closer to it.
extension ChordNode {
    /// This node's answer to one lookup step for `target`.
    func lookupStep(for target: Identifier) -> LookupStep {
        guard phase == .member else { return .closer([]) }
        if let predecessor, target.isInHalfOpenInterval(predecessor.id, me.id) {
            return .owner([me] + successors)
        }
        guard let successor = successors.first else {
            // Alone, or just found a predecessor that stabilize has not adopted yet.
            if let predecessor, target.isInHalfOpenInterval(me.id, predecessor.id) { return .owner([predecessor, me]) }
            return .owner([me])
        }
        if target.isInHalfOpenInterval(me.id, successor.id) { return .owner(successors) }
        return .closer(closestPreceding(target, count: config.closerCandidates))
    }

    /// Up to `count` known peers in (me, target), closest to `target` first, drawn from the
    /// fingers, the successor list and the predecessor.
    func closestPreceding(_ target: Identifier, count: Int) -> [Peer] {
        var found: [Peer] = []
        found.reserveCapacity(count + config.successorListLength + 1)
        var fingersFound = 0
        for finger in fingersHighToLow where fingersFound < count {
            if finger.id.isInOpenInterval(me.id, target) && !isRecentlyDead(finger) {
                found.append(finger)
                fingersFound += 1
            }
        }
        for peer in successors where peer.id.isInOpenInterval(me.id, target) && !found.contains(peer) {
            found.append(peer)
        }
        if let predecessor, predecessor.id.isInOpenInterval(me.id, target), !found.contains(predecessor) {
            found.append(predecessor)
        }
        found.sort { $0.id.distance(to: target) < $1.id.distance(to: target) }
        if found.count > count { found.removeLast(found.count - count) }
        return found
    }
}

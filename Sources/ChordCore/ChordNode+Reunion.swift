/// Reunion after partitions: a partition makes each side declare the other dead and close
/// into its own ring, and Chord's stabilize alone never merges two rings again. So each node
/// now and then probes one peer it declared dead: if it answers, the node looks up its own
/// identifier through it and adopts a closer successor from the other side. Stabilize and
/// rectify then weave the two rings into one (Shafaat et al., "Dealing with network
/// partitions in structured overlay networks", 2009, periodic probing variant).
extension ChordNode {
    func probeDeadPeer() {
        let horizon = now + (-config.reunionMemory)
        let candidates = deadPeers.values.filter { $0.since > horizon }.map(\.peer).sorted { $0.id < $1.id }
        guard !candidates.isEmpty else {
            if !deadPeers.isEmpty { deadPeers = deadPeers.filter { $0.value.since > horizon } }
            return
        }
        let peer = candidates[random.nextInt(below: candidates.count)]
        startLookup(target: me.id, purpose: .reunion, confirmOwner: false, contacts: [Contact(peer)])
    }

    func reunionLookupFinished(_ outcome: Result<LookupResult, LookupFailure>) {
        guard phase == .member, case .success(let result) = outcome else { return }
        let found = result.owner
        guard found.id != me.id else { return }
        if let successor = successors.first, !found.id.isInOpenInterval(me.id, successor.id) { return }
        adoptList([found] + result.successors + successors)
        notifySuccessor()
        nextStabilize = now
    }
}

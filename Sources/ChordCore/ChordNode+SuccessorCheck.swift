/// The periodic successor check: look our own identifier up through some other part of the
/// network, and adopt any closer live successor it reveals.
///
/// Stabilize only ever looks at the successor's predecessor, so it cannot repair states it
/// cannot see: two interleaved rings left by racing joins (Liben-Nowell et al.'s "loopy"
/// rings), or two separate rings after a partition heals (each side declared the other dead,
/// and stabilize never merges rings). So now and then each node asks a random finger, or a
/// peer it once declared dead (which merges rings after a partition, as in Shafaat et al.'s
/// periodic probing), who the ring thinks owns its identifier. Any node the answer names
/// between us and our successor is verified (asked for its neighbours, as stabilize does)
/// and adopted.
extension ChordNode {
    func checkSuccessorThroughOthers() {
        let horizon = now + (-config.reunionMemory)
        let dead = deadPeers.values.filter { $0.since > horizon }.map(\.peer).sorted { $0.id < $1.id }
        if dead.count < deadPeers.count { deadPeers = deadPeers.filter { $0.value.since > horizon } }
        let others = distinctFingers.filter { finger in !successors.contains(finger) && finger != predecessor }
        let pool: [Peer]
        if !dead.isEmpty && (others.isEmpty || random.nextUnit() < 0.5) {
            pool = dead
        } else {
            pool = others.isEmpty ? Array(successors.dropFirst()) : others
        }
        guard !pool.isEmpty else { return }
        let contact = pool[random.nextInt(below: pool.count)]
        startLookup(target: me.id, purpose: .successorCheck, confirmOwner: false, contacts: [Contact(contact)])
    }

    func successorCheckFinished(_ outcome: Result<LookupResult, LookupFailure>) {
        guard phase == .member, case .success(let result) = outcome else { return }
        let named = ([result.owner] + result.successors).filter { $0.id != me.id && !isRecentlyDead($0) }
        if let first = named.first { considerCloserSuccessor(first) }
    }
}

/// Anti-entropy: a key range's owner and its replicas converge after lost messages, crashes
/// and partitions, and a range that changed hands gets back to R copies.
///
/// Now and then (and at once when a new node enters its first R − 1 successors) the owner of
/// (predecessor, self] sends one replica the digests of the store's buckets over that range.
/// The replica answers which buckets differ and pushes its own entries in them to the owner;
/// the owner pushes its entries in them to the replica. Newer versions win on both sides, so
/// both end up with the newest of everything. The pushes are paged transfers on the shared
/// repair budget.
extension ChordNode {
    /// The owned range (lower, me.id], when known.
    var ownedRangeLowerBound: Identifier? {
        predecessor?.id ?? lastPredecessorID ?? (successors.isEmpty ? me.id : nil)
    }

    /// The periodic task: sync the owned range with every replica (digests are small; a
    /// replica that restarted empty under the same identifier is noticed by nothing else).
    func runAntiEntropy() {
        for replica in replicaCandidates.prefix(config.replicas - 1) { synchronize(with: replica) }
    }

    /// The first R − 1 successors changed: bring the new ones up to date at once.
    func replicaSetMayHaveChanged() {
        let replicas = Array(replicaCandidates.prefix(config.replicas - 1))
        for replica in replicas where !knownReplicas.contains(replica) { synchronize(with: replica) }
        knownReplicas = replicas
    }

    /// Sends `replica` the digests of the owned range (unless a round with it is still open,
    /// or keys are still on their way to it: rounds must not pile up behind a slow transfer).
    func synchronize(with replica: Peer) {
        guard phase == .member, !isLeaving, let lower = ownedRangeLowerBound else { return }
        guard !syncInFlight.contains(replica.address), repairTransfers[replica.address] == nil else { return }
        syncInFlight.insert(replica.address)
        let buckets = KeyValueStore.buckets(in: lower, me.id)
        let digests = buckets.map { store.digest(ofBucket: $0, within: lower, me.id) }
        counters.syncRounds += 1
        sendRequest(.syncDigest(lower: lower, upper: me.id, digests: digests), to: replica.address, peer: replica,
                    retries: 1, purpose: .syncDigest(replica: replica, lower: lower, upper: me.id))
    }

    /// As replica: which buckets over (lower, upper] differ from the owner's digests. The
    /// entries here in those buckets go to the owner. The owner vouches for this node as a
    /// replica of that range (see `ChordNode+Retire.swift`).
    func answerDigest(from owner: Peer, _ lower: Identifier, _ upper: Identifier, _ digests: [UInt64]) -> [UInt16] {
        vouchedRanges[owner.address] = (lower, upper, now)
        let differing = differingBuckets(lower, upper, digests)
        if !differing.isEmpty {
            pushBuckets(differing, within: lower, upper, to: owner)
        }
        return differing
    }

    /// Buckets over (lower, upper] whose digests here differ from `digests` (one per bucket of
    /// `KeyValueStore.buckets(in:_:)`, in that order).
    func differingBuckets(_ lower: Identifier, _ upper: Identifier, _ digests: [UInt64]) -> [UInt16] {
        let buckets = KeyValueStore.buckets(in: lower, upper)
        guard buckets.count == digests.count else { return buckets.map { UInt16($0) } }
        var differing: [UInt16] = []
        for (bucket, digest) in zip(buckets, digests) where store.digest(ofBucket: bucket, within: lower, upper) != digest {
            differing.append(UInt16(bucket))
        }
        return differing
    }

    /// As owner: the replica reported differing buckets; push ours in them.
    func syncDifferencesReceived(from replica: Peer, lower: Identifier, upper: Identifier, buckets: [UInt16]) {
        syncInFlight.remove(replica.address)
        guard !buckets.isEmpty else { return }
        counters.syncRepairs += 1
        pushBuckets(buckets, within: lower, upper, to: replica)
    }

    /// Pushes the entries of some buckets to `target`: into the repair transfer already on its
    /// way there, if any (so rounds never stack transfers), else a new one.
    private func pushBuckets(_ buckets: [UInt16], within lower: Identifier, _ upper: Identifier, to target: Peer) {
        var identifiers: [Identifier] = []
        for bucket in buckets where Int(bucket) < KeyValueStore.bucketCount {
            identifiers.append(contentsOf: store.identifiers(inBucket: Int(bucket), within: lower, upper))
        }
        guard !identifiers.isEmpty else { return }
        if let transferID = repairTransfers[target.address], let transfer = transfers[transferID] {
            transfer.append(identifiers)
            return
        }
        repairTransfers[target.address] = startTransfer(to: target, reason: .repair, identifiers: identifiers,
                                                        deleteAfterwards: false)
    }

    /// A digest went unanswered: the round with that replica is over.
    func syncDigestLost(to replica: Peer) {
        syncInFlight.remove(replica.address)
    }

    /// Collects tombstones older than their lifetime: by then every replica has long had them.
    func collectTombstones() {
        let horizon = UInt64(max(wallMilliseconds - config.tombstoneLifetime / 1_000_000, 0)) << 16
        for id in store.tombstones(olderThan: horizon) { store.delete(id) }
    }
}

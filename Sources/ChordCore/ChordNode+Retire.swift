/// Retiring stale copies: a node keeps only the keys it owns or replicates.
///
/// A node drops out of a range's replica set when nodes join in front of it (or held a key as
/// a fallback replica, or received everything from a leaving neighbour). Its copies then go
/// stale, and once tombstones are collected an old copy could bring a removed key back. So an
/// owner's anti-entropy digest vouches for its replicas; now and then each node looks at the
/// keys it neither owns nor holds for an owner that vouched for it lately, hands them to their
/// owner (a lookup finds it) and, once acknowledged, deletes them. Retirement finishes in
/// minutes, long before tombstones are collected (an hour).
extension ChordNode {
    /// How often stale copies are looked for: ten anti-entropy rounds.
    static func retirementInterval(_ config: NodeConfig) -> Int64 { 10 * config.antiEntropyInterval }

    /// How long an owner's vouching counts: thirty of its anti-entropy rounds (an owner skips
    /// rounds with a replica while keys are still on their way to it).
    var vouchingLifetime: Int64 { 30 * config.antiEntropyInterval }

    /// Whether this node should keep `id`: it owns it, or an owner vouched lately for this node
    /// as a replica of a range holding it.
    func isResponsible(for id: Identifier) -> Bool {
        if owns(id) { return true }
        for range in vouchedRanges.values where now - range.at <= vouchingLifetime
            && id.isInHalfOpenInterval(range.lower, range.upper) {
            return true
        }
        return false
    }

    /// Finds the stale copies and starts handing the first run of them to its owner.
    func retireStaleCopies() {
        guard phase == .member, !isLeaving, !retirementInFlight else { return }
        vouchedRanges = vouchedRanges.filter { now - $0.value.at <= vouchingLifetime }
        guard let first = store.allIdentifiers.first(where: { !isResponsible(for: $0) }) else { return }
        retirementInFlight = true
        startLookup(target: first, purpose: .retire(from: first), confirmOwner: true, contacts: nil)
    }

    /// The owner of the first stale copy is known: hand it every stale copy it owns, i.e. those
    /// from `first` up to the owner (no node lies in between).
    func retirementLookupFinished(from first: Identifier, _ outcome: Result<LookupResult, LookupFailure>) {
        retirementInFlight = false
        guard case .success(let result) = outcome else { return }
        let owner = result.owner
        // If this node is the owner or one of its replicas after all, vouching will catch up.
        guard owner.id != me.id, !result.successors.prefix(config.replicas - 1).contains(where: { $0.id == me.id }) else {
            return
        }
        let reach = first.distance(to: owner.id)
        let run = store.allIdentifiers.filter { first.distance(to: $0) <= reach && !isResponsible(for: $0) }
            .sorted { first.distance(to: $0) < first.distance(to: $1) }
        guard !run.isEmpty else { return }
        counters.retiredRuns += 1
        startTransfer(to: owner, reason: .retire, identifiers: run, deleteAfterwards: true)
    }
}

/// Anti-entropy between a key range's owner and its replicas (to be completed): digests of
/// the store's buckets over the range, then the differing buckets' entries both ways.
extension ChordNode {
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

    /// A replica answered a digest with the buckets that differ.
    func syncDifferencesReceived(from replica: Peer, buckets: [UInt16]) {}
}

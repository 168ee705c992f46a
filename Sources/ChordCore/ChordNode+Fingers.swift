/// Fix-fingers: keep finger i pointing at the first node at or after `me + 2^i`.
///
/// Fingers below the successor are filled without asking anyone; each round then looks up
/// one finger start, and the answer fills every finger it also covers, so a full refresh
/// costs about log2 N lookups. Fingers only speed lookups up; correctness rests on the
/// successor list.
extension ChordNode {
    func fixNextFinger() {
        guard !fixFingersInFlight, let successor = successors.first else { return }
        var index = nextFingerIndex
        if index == 0 {
            while index < Identifier.bitWidth && me.id.fingerStart(index).isInHalfOpenInterval(me.id, successor.id) {
                fingers[index] = successor
                index += 1
            }
        }
        guard index < Identifier.bitWidth else {
            nextFingerIndex = 0
            return
        }
        nextFingerIndex = index
        fixFingersInFlight = true
        startLookup(target: me.id.fingerStart(index), purpose: .fixFinger(index: index), confirmOwner: false, contacts: nil)
    }

    func fingerLookupFinished(index: Int, _ outcome: Result<LookupResult, LookupFailure>) {
        fixFingersInFlight = false
        guard case .success(let result) = outcome else {
            nextFingerIndex = (index + 1) % Identifier.bitWidth
            return
        }
        let owner = result.owner
        if owner.id == me.id {
            for finger in index..<Identifier.bitWidth { fingers[finger] = nil }
            nextFingerIndex = 0
            return
        }
        // Finger j = owner for every j >= index with 2^j <= distance(me, owner).
        let reach = me.id.distance(to: owner.id).highestSetBit ?? 0
        var finger = index
        repeat {
            fingers[finger] = owner
            finger += 1
        } while finger < Identifier.bitWidth && finger <= reach
        nextFingerIndex = finger % Identifier.bitWidth
    }
}

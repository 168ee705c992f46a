/// A node to ask during a lookup: its address, and its identifier when known.
struct Contact: Equatable {
    var address: NodeAddress
    var id: Identifier?

    init(address: NodeAddress, id: Identifier?) {
        self.address = address
        self.id = id
    }

    init(_ peer: Peer) {
        self.init(address: peer.address, id: peer.id)
    }
}

/// The state of one iterative lookup in progress (a class: it is updated in place on every
/// answer, and copying its arrays each time was measurable).
///
/// The originator asks one node at a time. Routing candidates must lie strictly between the
/// furthest node that answered (`progress`) and the target, so every answer moves forward and
/// no lookup can loop. A node silent past its timeout is skipped for the next candidate at once,
/// but its answer is still used if it comes late (a timeout is often a slow reply, not a dead
/// node). When no candidate is left the lookup starts over from the originator's own table
/// after a short delay, until its deadline.
/// With `confirmOwner`, the named owner is asked too, so a dead owner is replaced by the next
/// live successor before the lookup reports.
final class Lookup {
    let target: Identifier
    let purpose: LookupPurpose
    let confirmOwner: Bool
    /// Where routing begins: nil for the node's own table, or given contacts (a bootstrap).
    let initialContacts: [Contact]?
    let started: Instant
    let deadline: Instant
    var hops: [LookupHop] = []
    var candidates: [Contact] = []
    var asked: [NodeAddress] = []
    var progress: Identifier
    /// The owner named by a routing step and its successors, while confirming.
    var ownerCandidates: [Peer]?
    /// Named owners that did not confirm in time; a late answer from one still confirms it.
    var abandonedOwners: [Peer] = []
    var waitingForRestart = false
    /// Requests out whose deadline has not passed (late ones do not count).
    var inFlight = 0

    init(target: Identifier, purpose: LookupPurpose, confirmOwner: Bool, initialContacts: [Contact]?,
         started: Instant, deadline: Instant, origin: Identifier) {
        self.target = target
        self.purpose = purpose
        self.confirmOwner = confirmOwner
        self.initialContacts = initialContacts
        self.started = started
        self.deadline = deadline
        self.progress = origin
    }

    /// Adds candidates that would make progress, keeping the closest-to-target first.
    func addCandidates(_ peers: [Peer], excluding me: Identifier) {
        for peer in peers where peer.id != me && peer.id.isInOpenInterval(progress, target)
            && !asked.contains(peer.address) && !candidates.contains(Contact(peer)) {
            candidates.append(Contact(peer))
        }
        let target = self.target
        candidates.sort { lhs, rhs in
            // Contacts without an identifier (a bootstrap address) first, then closest first.
            guard let left = lhs.id else { return rhs.id != nil }
            guard let right = rhs.id else { return false }
            return left.distance(to: target) < right.distance(to: target)
        }
    }

    /// Records an answered hop. A late answer fills in the hop recorded silent when its
    /// timeout passed; an answer in time also frees the lookup to ask the next node.
    func record(_ hop: LookupHop, late: Bool) {
        if late, let index = hops.lastIndex(where: { $0.address == hop.address && $0.roundTrip == nil }) {
            hops[index] = hop
        } else {
            hops.append(hop)
        }
        if !late { inFlight -= 1 }
    }

    /// Removes and returns the best candidate that still makes progress.
    func nextCandidate() -> Contact? {
        while !candidates.isEmpty {
            let contact = candidates.removeFirst()
            if asked.contains(contact.address) { continue }
            if let id = contact.id, !id.isInOpenInterval(progress, target) { continue }
            return contact
        }
        return nil
    }
}

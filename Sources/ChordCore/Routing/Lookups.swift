/// Iterative lookups driven by this node: for client requests and operations, fix-fingers,
/// joining, the successor check, retiring stale copies and traces.
///
/// Each lookup asks one node at a time (`Lookup` keeps its candidates and its progress), routes
/// around silent ones, optionally confirms the named owner, and ends at its deadline at the
/// latest. A lookup that ends is put in `finished`; `ChordNode` hands it to the concern that
/// asked (by its `LookupPurpose`).
final class Lookups {
    private let context: NodeContext
    private let ring: Ring
    private let messenger: Messenger
    private var me: Peer { context.me }
    private var config: NodeConfig { context.config }

    private var running: [UInt64: Lookup] = [:]
    private var nextLookupID: UInt64 = 1
    /// Lookups that ended and have not been handed on yet, in order.
    private var finished: [FinishedLookup] = []
    /// Retries of the named owner's confirmation before its successor is taken instead.
    static let ownerCheckRetries = 3

    init(context: NodeContext, ring: Ring, messenger: Messenger) {
        self.context = context
        self.ring = ring
        self.messenger = messenger
    }

    /// Lookups in progress.
    var count: Int { running.count }

    /// Why lookup `lookupID` runs, while it runs.
    func purpose(of lookupID: UInt64) -> LookupPurpose? {
        running[lookupID]?.purpose
    }

    /// Takes the first lookup that ended, if any.
    func takeFinished() -> FinishedLookup? {
        finished.isEmpty ? nil : finished.removeFirst()
    }

    /// Starts a lookup. It may end at once (this node knows the owner).
    func start(_ request: LookupRequest) {
        context.counters.lookupsStarted += 1
        let lookupID = nextLookupID
        nextLookupID += 1
        let now = context.now
        running[lookupID] = Lookup(target: request.target, purpose: request.purpose, confirmOwner: request.confirmOwner,
                                   initialContacts: request.contacts, started: now,
                                   deadline: now + config.lookupDeadline, origin: me.id)
        context.schedule(.lookupDeadline(lookupID: lookupID), at: now + config.lookupDeadline)
        beginRouting(lookupID)
    }

    /// Whether a deadline entry for this lookup is still wanted.
    func isRunning(_ lookupID: UInt64) -> Bool {
        running[lookupID] != nil
    }

    /// The lookup's deadline passed while it waited for an answer: it fails now, not at its
    /// next step (a hop's timeout can end well after the deadline).
    func deadlinePassed(_ lookupID: UInt64) {
        guard running[lookupID] != nil else { return }
        finish(lookupID, .failure(.timedOut))
    }

    /// Seeds the candidates (own table, or the given contacts) and asks the first.
    private func beginRouting(_ lookupID: UInt64) {
        guard let lookup = running[lookupID] else { return }
        lookup.candidates = []
        lookup.asked = []
        lookup.progress = me.id
        lookup.ownerCandidates = nil
        lookup.waitingForRestart = false
        if let contacts = lookup.initialContacts {
            lookup.candidates = contacts
        } else {
            switch ring.lookupStep(for: lookup.target) {
            case .owner(let list):
                namedOwner(lookupID, list: list, namedBy: me)
                return
            case .closer(let list):
                lookup.addCandidates(list, excluding: me.id)
            }
        }
        askNext(lookupID)
    }

    /// Sends the next request of a lookup, or waits to restart, or fails it.
    private func askNext(_ lookupID: UInt64) {
        guard let lookup = running[lookupID], lookup.inFlight == 0 else { return }
        if lookup.hops.count >= config.maximumLookupHops {
            finish(lookupID, .failure(.hopLimit))
            return
        }
        if context.now >= lookup.deadline {
            finish(lookupID, .failure(.timedOut))
            return
        }
        let contact: Contact?
        if let owners = lookup.ownerCandidates {
            if let first = owners.first, first.id == me.id {
                // The next live candidate is this node: it confirms itself without a message.
                complete(lookupID, owner: me, successors: ring.successors)
                return
            }
            contact = owners.first.map(Contact.init)
        } else {
            contact = lookup.nextCandidate()
        }
        guard let contact else {
            scheduleRestart(lookupID, lookup)
            return
        }
        lookup.asked.append(contact.address)
        lookup.inFlight += 1
        let peer = contact.id.map { Peer(id: $0, address: contact.address) }
        if lookup.ownerCandidates != nil {
            // Confirmation asks the named owner for its neighbours: its predecessor says whether
            // it really owns the target. Retried three times: a named owner is most likely alive
            // and must not lose a race against its successor. (With 5 % loss at each end of
            // every datagram, one try in five fails; with one retry 3.6 % of lookups named the
            // owner's successor, with three about 0.1 %.)
            messenger.request(.getNeighbors, to: contact.address, peer: peer, retries: Self.ownerCheckRetries,
                              purpose: .ownerCheck(lookupID: lookupID))
        } else {
            // A routing hop is not retried: the lookup routes around it, still listening for a
            // late answer.
            messenger.request(.findNext(target: lookup.target), to: contact.address, peer: peer, retries: 0,
                              purpose: .lookupHop(lookupID: lookupID), listensLate: true)
        }
    }

    private func scheduleRestart(_ lookupID: UInt64, _ lookup: Lookup) {
        let now = context.now
        if now + config.lookupRestartDelay >= lookup.deadline {
            finish(lookupID, .failure(.timedOut))
            return
        }
        lookup.waitingForRestart = true
        context.schedule(.lookupRestart(lookupID: lookupID), at: now + config.lookupRestartDelay)
    }

    /// A stuck lookup starts over from this node's own table (or its contacts).
    func restart(_ lookupID: UInt64) {
        guard let lookup = running[lookupID], lookup.waitingForRestart else { return }
        if lookup.initialContacts == nil && ring.phase != .member {
            finish(lookupID, .failure(.notJoined))
            return
        }
        beginRouting(lookupID)
    }

    /// A node answered a routing step, perhaps after the lookup moved on (`late`).
    func hopAnswered(_ lookupID: UInt64, by responder: Peer?, address: NodeAddress, step: LookupStep,
                     roundTrip: Int64, late: Bool) {
        guard let lookup = running[lookupID] else { return }
        lookup.record(LookupHop(address: address, id: responder?.id, roundTrip: roundTrip), late: late)
        guard lookup.ownerCandidates == nil else {
            // A routing answer that came after another step already named the owner.
            askNext(lookupID)
            return
        }
        switch step {
        case .owner(let list):
            namedOwner(lookupID, list: list, namedBy: responder)
        case .closer(let list):
            if let responder, responder.id.isInOpenInterval(lookup.progress, lookup.target) {
                lookup.progress = responder.id
            }
            lookup.addCandidates(list, excluding: me.id)
            askNext(lookupID)
        }
    }

    /// A named owner answered the confirmation with its predecessor and successor list. It owns
    /// the target if the target lies in (its predecessor, itself]. If its predecessor lies
    /// between the target and it, that predecessor (or one before it) owns the target, unless
    /// it is known dead: confirm that one next. A named owner given up on that answers late
    /// is judged the same way (it ranks before the candidates still being tried).
    func ownerCheckAnswered(_ lookupID: UInt64, by responder: Peer?, address: NodeAddress, predecessor: Peer?,
                            successors list: [Peer], roundTrip: Int64, late: Bool) {
        guard let lookup = running[lookupID] else { return }
        lookup.record(LookupHop(address: address, id: responder?.id, roundTrip: roundTrip, confirmsOwner: true), late: late)
        let owners = lookup.ownerCandidates ?? []
        guard let responder, owners.first == responder || lookup.abandonedOwners.contains(responder) else {
            askNext(lookupID)
            return
        }
        if let predecessor, predecessor.id != responder.id,
           !lookup.target.isInHalfOpenInterval(predecessor.id, responder.id),
           !lookup.abandonedOwners.contains(predecessor), !ring.isRecentlyDead(predecessor) {
            if predecessor.id == me.id {
                // We precede the responder, and the target precedes us: our own table decides.
                lookup.ownerCandidates = nil
                beginRouting(lookupID)
                return
            }
            lookup.ownerCandidates = [predecessor, responder] + owners.filter { $0 != responder && $0 != predecessor }
            askNext(lookupID)
            return
        }
        complete(lookupID, owner: responder, successors: list)
    }

    /// A routing step (remote or local) named the owner and its successors.
    private func namedOwner(_ lookupID: UInt64, list: [Peer], namedBy namer: Peer?) {
        guard let lookup = running[lookupID] else { return }
        let live = list.filter { !ring.isRecentlyDead($0) }
        guard let owner = live.first else {
            scheduleRestart(lookupID, lookup)
            return
        }
        if !lookup.confirmOwner || owner == namer || owner.id == me.id {
            complete(lookupID, owner: owner, successors: Array(live.dropFirst()))
            return
        }
        lookup.ownerCandidates = live
        askNext(lookupID)
    }

    /// A node asked during the lookup stayed silent past its timeout.
    func hopTimedOut(_ lookupID: UInt64, address: NodeAddress, id: Identifier?, confirmsOwner: Bool) {
        guard let lookup = running[lookupID] else { return }
        lookup.inFlight -= 1
        lookup.hops.append(LookupHop(address: address, id: id, roundTrip: nil, confirmsOwner: confirmsOwner))
        if confirmsOwner, var owners = lookup.ownerCandidates, owners.first?.address == address {
            lookup.abandonedOwners.append(owners.removeFirst())
            lookup.ownerCandidates = owners.isEmpty ? nil : owners
            if owners.isEmpty {
                scheduleRestart(lookupID, lookup)
                return
            }
        }
        askNext(lookupID)
    }

    private func complete(_ lookupID: UInt64, owner: Peer, successors: [Peer]) {
        guard let lookup = running[lookupID] else { return }
        let result = LookupResult(target: lookup.target, owner: owner, successors: successors,
                                  hops: lookup.hops, elapsed: context.now - lookup.started)
        finish(lookupID, .success(result))
    }

    private func finish(_ lookupID: UInt64, _ outcome: Result<LookupResult, LookupFailure>) {
        guard let lookup = running.removeValue(forKey: lookupID) else { return }
        if case .failure = outcome { context.counters.lookupsFailed += 1 }
        finished.append(FinishedLookup(purpose: lookup.purpose, target: lookup.target, hops: lookup.hops,
                                       elapsed: context.now - lookup.started, outcome: outcome))
    }
}

/// A lookup some concern wants run.
struct LookupRequest {
    /// The identifier to find the owner of.
    var target: Identifier
    /// Who asked, and what happens with the result.
    var purpose: LookupPurpose
    /// Ask the named owner too, so a dead owner is replaced by its live successor.
    var confirmOwner = false
    /// Where routing begins: nil for the node's own table, or given contacts (a bootstrap).
    var contacts: [Contact]?
}

/// Why a node runs a lookup; decides where the result goes.
enum LookupPurpose {
    /// A local `.lookup` input (answered with `.lookupCompleted`).
    case client(token: UInt64)
    /// Fix-fingers (`RingMaintenance`).
    case fixFinger(index: Int)
    /// Joining (`Joiner`).
    case join
    /// The successor check (`RingMaintenance`).
    case successorCheck
    /// A client operation looking for its key's owner (`Coordinator`).
    case clientOperation(operationID: UInt64)
    /// Retiring stale copies from `from` on (`Repair`).
    case retire(from: Identifier)
    /// A `.traceLookup` request (`Coordinator`).
    case trace(ClientRequester)
    /// Checking that a node which handed over keys this node owns is a member: the lookup of
    /// its identifier must end at it (`Ring.confirmMember`).
    case confirmMember(Peer)
}

/// A lookup that ended, with everything its asker needs.
struct FinishedLookup {
    var purpose: LookupPurpose
    var target: Identifier
    /// Every node asked (also kept when the lookup failed, for traces).
    var hops: [LookupHop]
    var elapsed: Int64
    var outcome: Result<LookupResult, LookupFailure>
}

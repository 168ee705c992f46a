/// Ring maintenance after Zave ("Reasoning about identifier spaces: how to make Chord
/// correct", IEEE TSE 2017): stabilize adopts `[successor] + successor's list`, moves to the
/// successor's predecessor when it lies between, and notifies; rectify (notify's receiver)
/// adopts a better predecessor; check-predecessor clears a dead one. Fix-fingers and the
/// successor check keep routing fast and repair what stabilize cannot see.
///
/// This type decides what the ring should adopt; `Ring` applies it. Its periodic tasks are run
/// by `ChordNode`'s schedule; the lookups it needs (a finger, the successor check) are returned
/// as `LookupRequest`s for `ChordNode` to start, and their results come back here.
final class RingMaintenance {
    private let context: NodeContext
    private let ring: Ring
    private let messenger: Messenger
    private var me: Peer { context.me }
    private var config: NodeConfig { context.config }

    /// A successor update (stabilize, or checking a closer node) is waiting for an answer.
    private(set) var stabilizeInFlight = false
    /// Stabilize was due while another update was in flight: run it when that one ends.
    private var stabilizeDeferred = false
    private var checkPredecessorInFlight = false
    private var fixFingersInFlight = false
    private var nextFingerIndex = 0
    /// Notifiers being checked before they may become the predecessor (bounded).
    private var verifyingPredecessors: Set<NodeAddress> = []

    /// Most notifiers checked at once (a notify beyond is ignored; its sender notifies again).
    static let maximumPredecessorChecks = 8

    /// How many predecessor links one stabilize round may walk back after the successor.
    /// Zave's protocol walks one per round; walking a few more converges faster after mass
    /// joins or after a node had to skip ahead to a finger, and changes nothing else.
    static let stabilizeWalkLimit = 32

    init(context: NodeContext, ring: Ring, messenger: Messenger) {
        self.context = context
        self.ring = ring
        self.messenger = messenger
    }

    // MARK: Stabilize

    /// Stabilize: ask the first successor for its predecessor and successor list. If another
    /// successor update is in flight, stabilize runs as soon as it ends.
    func stabilize() {
        guard ring.phase == .member else { return }
        guard !stabilizeInFlight else {
            stabilizeDeferred = true
            return
        }
        stabilizeDeferred = false
        if ring.successors.isEmpty {
            // Alone: a predecessor means someone joined; it is also our successor (n, n).
            guard let predecessor = ring.predecessor else { return }
            ring.adoptSuccessors([predecessor])
            guard !ring.successors.isEmpty else { return }
        }
        let successor = ring.successors[0]
        stabilizeInFlight = true
        messenger.request(.getNeighbors, to: successor.address, peer: successor, retries: config.maintenanceRetries,
                          purpose: .stabilizeSuccessor(successor))
    }

    /// The successor answered: adopt its list, or first try its predecessor if that lies
    /// between us.
    func successorAnswered(_ successor: Peer, predecessor candidate: Peer?, successors list: [Peer]) {
        considerCandidate(candidate, before: successor, list: list, walked: 0)
    }

    /// The successor refused the request (it is overloaded): try again at the next round.
    func successorRefused() {
        stabilizeInFlight = false
    }

    /// The successor stayed silent through its retries: it is dead; stabilize again with the
    /// next one.
    func successorSilent(_ successor: Peer) {
        stabilizeInFlight = false
        declareDead(successor)
        if ring.phase == .member && !ring.successors.isEmpty { stabilize() }
    }

    /// A candidate between us and our successor answered: adopt it and its list, unless its
    /// own predecessor lies between us too.
    func candidateAnswered(_ candidate: Peer, predecessor: Peer?, list: [Peer], walked: Int) {
        considerCandidate(predecessor, before: candidate, list: list, walked: walked)
    }

    /// A candidate stayed silent: adopt what we had instead (`fallback`, or the current list).
    func candidateSilent(fallback: [Peer]?) {
        finishSuccessorUpdate(adopting: fallback ?? ring.successors)
    }

    private func considerCandidate(_ candidate: Peer?, before successor: Peer, list: [Peer], walked: Int) {
        let adopted = [successor] + list
        if let candidate, candidate != me, walked < Self.stabilizeWalkLimit,
           candidate.id.isInOpenInterval(me.id, successor.id), !ring.isRecentlyDead(candidate) {
            messenger.request(.getNeighbors, to: candidate.address, peer: candidate, retries: 1,
                              purpose: .stabilizeCandidate(candidate, fallback: adopted, walked: walked + 1))
            return
        }
        finishSuccessorUpdate(adopting: adopted)
    }

    /// Ends a stabilize round or candidate check: adopt, notify, and run a deferred stabilize.
    private func finishSuccessorUpdate(adopting list: [Peer]) {
        stabilizeInFlight = false
        ring.adoptSuccessors(list)
        notifySuccessor()
        if stabilizeDeferred { ring.requestStabilize() }
    }

    /// A live member `peer` was heard from or named: if it lies between us and our successor,
    /// our successor is wrong. Verify it the way stabilize verifies its successor's
    /// predecessor (ask it for its neighbours, walking further back if need be) and adopt it.
    /// Moving to a closer live node never breaks the ring's order, so any source of news will
    /// do; this is what integrates racing joiners quickly, and mends interleaved rings.
    func considerCloserSuccessor(_ peer: Peer) {
        guard ring.phase == .member, !stabilizeInFlight, peer.id != me.id else { return }
        if let successor = ring.successor {
            guard peer.id.isInOpenInterval(me.id, successor.id) else { return }
        }
        guard !ring.isRecentlyDead(peer) else { return }
        stabilizeInFlight = true
        messenger.request(.getNeighbors, to: peer.address, peer: peer, retries: 1,
                          purpose: .stabilizeCandidate(peer, fallback: nil, walked: 0))
    }

    /// Tells the first successor we believe we are its predecessor.
    func notifySuccessor() {
        guard let successor = ring.successor else { return }
        messenger.oneWay(.notify, to: successor.address)
    }

    // MARK: Rectify and check-predecessor

    /// Rectify: `candidate` says it is our predecessor. That is a hint: a candidate that has
    /// not answered one of our requests lately is pinged first (`.verifyPredecessor`) and
    /// rectify runs again when it answers.
    func rectify(with candidate: Peer) {
        guard candidate != me, ring.phase != .idle else { return }
        let better = ring.predecessor.map { candidate.id.isInOpenInterval($0.id, me.id) } ?? true
        guard better || (ring.phase == .member && ring.successors.isEmpty) else { return }
        guard ring.isVerified(candidate) else {
            guard verifyingPredecessors.count < Self.maximumPredecessorChecks,
                  verifyingPredecessors.insert(candidate.address).inserted else { return }
            messenger.request(.ping, to: candidate.address, peer: candidate, retries: 1,
                              purpose: .verifyPredecessor(candidate))
            return
        }
        if better { ring.setPredecessor(candidate) }
        if ring.phase == .member && ring.successors.isEmpty {
            // We were alone: the newcomer is our successor too. Stabilize right away.
            ring.adoptSuccessors([candidate])
            ring.requestStabilize()
        }
    }

    /// The check of a notifier ended: it answered (rectify again) or stayed silent.
    func predecessorCheckEnded(_ candidate: Peer, answered: Bool) {
        verifyingPredecessors.remove(candidate.address)
        if answered { rectify(with: candidate) }
    }

    /// Check-predecessor: ask it for its neighbours; silence (after retries) clears it. Its
    /// answer also says who precede it (`Ring.furtherPredecessors`: with replication, the
    /// owners whose keys this node may be sent).
    func checkPredecessor() {
        guard let predecessor = ring.predecessor, !checkPredecessorInFlight else { return }
        checkPredecessorInFlight = true
        let message: Message = config.replicas > 1 ? .getNeighbors : .ping
        messenger.request(message, to: predecessor.address, peer: predecessor, retries: config.maintenanceRetries,
                          purpose: .checkPredecessor(predecessor))
    }

    /// The predecessor answered; `itsPredecessor` is what it says precedes it.
    func predecessorAnswered(_ predecessor: Peer, itsPredecessor: Peer? = nil) {
        checkPredecessorInFlight = false
        guard let itsPredecessor, ring.predecessor == predecessor else { return }
        ring.extendPredecessorChain(at: 0, with: itsPredecessor)
        askForNextLink(after: 0)
    }

    /// Link `index` of the predecessor chain said who precedes it.
    func chainAnswered(index: Int, link: Peer, itsPredecessor: Peer?) {
        guard let itsPredecessor, index < ring.furtherPredecessors.count, ring.furtherPredecessors[index] == link else { return }
        ring.extendPredecessorChain(at: index + 1, with: itsPredecessor)
        askForNextLink(after: index + 1)
    }

    /// Asks link `index` of the chain for its predecessor, if the chain should reach further.
    private func askForNextLink(after index: Int) {
        guard index + 1 < config.replicas - 1, index < ring.furtherPredecessors.count else { return }
        let link = ring.furtherPredecessors[index]
        messenger.request(.getNeighbors, to: link.address, peer: link, retries: 0,
                          purpose: .predecessorChain(index: index, link: link))
    }

    /// The predecessor stayed silent: it is dead.
    func predecessorSilent(_ predecessor: Peer) {
        checkPredecessorInFlight = false
        declareDead(predecessor)
    }

    // MARK: Failures and departures

    /// Removes a silent peer from every routing structure (`Ring.declareDead`) and forgets its
    /// silences.
    func declareDead(_ peer: Peer) {
        guard peer != me else { return }
        messenger.forgetSuspicion(of: peer.address)
        ring.declareDead(peer)
    }

    /// A neighbour is leaving gracefully: close the gap it leaves (its predecessor becomes
    /// ours once it answers us, its successors take its place in our list).
    func neighbourLeaving(_ leaver: Peer, predecessor leaverPredecessor: Peer?, successors leaverSuccessors: [Peer]) {
        if ring.predecessor == leaver {
            ring.predecessorDeparts(leaver, until: context.now + config.leaveDeadline)
            ring.setPredecessor(nil)
            if let leaverPredecessor, leaverPredecessor.id != me.id { rectify(with: leaverPredecessor) }
        }
        if ring.removeLeaver(leaver, replacingWith: leaverSuccessors) { notifySuccessor() }
    }

    // MARK: Fix-fingers

    /// Fix-fingers: keep finger i pointing at the first node at or after `me + 2^i`.
    ///
    /// Fingers below the successor are filled without asking anyone; each round then looks up
    /// one finger start, and the answer fills every finger it also covers, so a full refresh
    /// costs about log2 N lookups. Fingers only speed lookups up; correctness rests on the
    /// successor list. Returns the lookup to run, if any.
    func nextFingerLookup() -> LookupRequest? {
        guard !fixFingersInFlight, let successor = ring.successor else { return nil }
        var index = nextFingerIndex
        if index == 0 {
            while index < Identifier.bitWidth && me.id.fingerStart(index).isInHalfOpenInterval(me.id, successor.id) {
                index += 1
            }
            if index > 0 { ring.setFingers(0..<index, to: successor) }
        }
        guard index < Identifier.bitWidth else {
            nextFingerIndex = 0
            return nil
        }
        nextFingerIndex = index
        fixFingersInFlight = true
        return LookupRequest(target: me.id.fingerStart(index), purpose: .fixFinger(index: index))
    }

    /// The lookup for finger `index` finished.
    func fingerLookupFinished(index: Int, _ outcome: Result<LookupResult, LookupFailure>) {
        fixFingersInFlight = false
        guard case .success(let result) = outcome else {
            nextFingerIndex = (index + 1) % Identifier.bitWidth
            return
        }
        let owner = result.owner
        if owner.id == me.id {
            ring.setFingers(index..<Identifier.bitWidth, to: nil)
            nextFingerIndex = 0
            return
        }
        guard ring.isVerified(owner) else {
            // A lookup answer names the owner; it becomes a finger once it answers us itself.
            fixFingersInFlight = true
            messenger.request(.ping, to: owner.address, peer: owner, retries: 1,
                              purpose: .verifyFinger(index: index, owner: owner))
            return
        }
        installFingers(from: index, owner: owner)
    }

    /// Finger j = owner for every j >= index with 2^j <= distance(me, owner).
    private func installFingers(from index: Int, owner: Peer) {
        let reach = me.id.distance(to: owner.id).highestSetBit ?? 0
        let end = max(index + 1, min(Identifier.bitWidth, reach + 1))
        ring.setFingers(index..<end, to: owner)
        nextFingerIndex = end % Identifier.bitWidth
    }

    /// The owner a finger lookup found answered our ping: it becomes fingers from `index`.
    func fingerOwnerAnswered(index: Int, owner: Peer) {
        fixFingersInFlight = false
        guard ring.isVerified(owner) else { return }
        installFingers(from: index, owner: owner)
    }

    /// The owner a finger lookup found stayed silent: the finger waits for the next round.
    func fingerOwnerSilent(index: Int) {
        fixFingersInFlight = false
        nextFingerIndex = (index + 1) % Identifier.bitWidth
    }

    // MARK: Successor check

    /// The periodic successor check: look our own identifier up through some other part of
    /// the network, and adopt any closer live successor it reveals.
    ///
    /// Stabilize only ever looks at the successor's predecessor, so it cannot repair states it
    /// cannot see: two interleaved rings left by racing joins (Liben-Nowell et al.'s "loopy"
    /// rings), or two separate rings after a partition heals (each side declared the other
    /// dead, and stabilize never merges rings). So now and then each node asks a random
    /// finger, or a peer it once declared dead (which merges rings after a partition, as in
    /// Shafaat et al.'s periodic probing), who the ring thinks owns its identifier. Any node
    /// the answer names between us and our successor is verified (asked for its neighbours,
    /// as stabilize does) and adopted. Returns the lookup to run, if any.
    func successorCheckLookup() -> LookupRequest? {
        let dead = ring.deadPeers(since: context.now + (-config.reunionMemory))
        let others = ring.distinctFingers.filter { finger in !ring.successors.contains(finger) && finger != ring.predecessor }
        let pool: [Peer]
        if !dead.isEmpty && (others.isEmpty || context.random.nextUnit() < 0.5) {
            pool = dead
        } else {
            pool = others.isEmpty ? Array(ring.successors.dropFirst()) : others
        }
        guard !pool.isEmpty else { return nil }
        let contact = pool[context.random.nextInt(below: pool.count)]
        return LookupRequest(target: me.id, purpose: .successorCheck, contacts: [Contact(contact)])
    }

    /// The successor check's lookup finished: verify the first live node it named.
    func successorCheckFinished(_ outcome: Result<LookupResult, LookupFailure>) {
        guard ring.phase == .member, case .success(let result) = outcome else { return }
        let named = ([result.owner] + result.successors).filter { $0.id != me.id && !ring.isRecentlyDead($0) }
        if let first = named.first { considerCloserSuccessor(first) }
    }
}

/// Where this node stands in the ring: its phase, predecessor, successor list and fingers, and
/// the peers it believes dead.
///
/// This type is the one door through which a peer enters or leaves the successor list, the
/// predecessor or the fingers: every change goes through one of its methods, which keep the
/// successor list valid (ordered clockwise, no duplicates, never this node, never a peer just
/// declared dead) and record what other concerns must hear about in `changes`, which
/// `ChordNode` hands on after each step.
///
/// Nobody enters on hearsay (docs/PROTOCOL.md, "Trust"): a predecessor, a finger or a new
/// first successor must be *verified*, i.e. it answered one of this node's own requests
/// recently (each request carries a fresh random id, so only whoever received it can answer);
/// the rest of a successor list comes from a verified neighbour. And every peer's identifier
/// must follow from its address by the identity rule (`isGenuine`). The protocols that decide *what* to adopt live in
/// `RingMaintenance` (stabilize, rectify, fingers) and `Joiner`; the queries that routing and
/// storage ask (who owns an identifier, who is closer to it) are here.
final class Ring {
    /// Where the node stands in its life.
    private(set) var phase: ChordNode.Phase = .idle
    /// The predecessor, if known.
    private(set) var predecessor: Peer?
    /// The last predecessor known: bounds the owned range while the predecessor is unknown.
    private(set) var lastPredecessorID: Identifier?
    /// The predecessors before the predecessor, nearest first (R − 1 of them), as the
    /// predecessor and they say: with it, the owners whose ranges this node replicates, and
    /// one more (an owner writes to the next successor when a replica is silent).
    private(set) var furtherPredecessors: [Peer] = []
    /// A predecessor that left gracefully, while its keys are handed over.
    private var departed: (peer: Peer, until: Instant)?
    /// The successor list, nearest first; empty when the node is alone in its ring.
    private(set) var successors: [Peer] = []
    /// Counts assignments of the successor list (lets observers skip re-checking it).
    private(set) var successorListVersion: UInt64 = 0
    /// Finger i: the first node at or after `me.id + 2^i`, when known.
    private(set) var fingers: [Peer?] = Array(repeating: nil, count: Identifier.bitWidth)
    /// Distinct fingers from the highest index down, rebuilt after fingers change.
    private var distinctFingersCache: [Peer]?
    /// Peers declared dead, by address, with when: probed by the successor check (they may be
    /// across a healed partition), and skipped in a neighbour's stale list shortly after.
    private var deadPeers: [NodeAddress: (peer: Peer, since: Instant)] = [:]
    /// What changed since `ChordNode` last took the changes.
    private(set) var changes = RingChanges()
    /// When each peer last answered one of our requests (bounded; oldest first out).
    private var verified = BoundedDictionary<NodeAddress, Instant>(capacity: Ring.verifiedMemory)
    /// Peers a lookup of whose identifier ended at them lately, and peers such a lookup is
    /// running for (`beginConfirming`, `confirmationEnded`).
    private var confirmedMembers = BoundedDictionary<Peer, Instant>(capacity: Ring.confirmedMemberMemory)
    private var confirming: Set<Peer> = []
    /// Identities checked against the rule, by address (a small direct-mapped cache: checking
    /// costs a SHA-1 of the address text).
    private var checkedIdentities = [(address: NodeAddress, id: Identifier)?](repeating: nil, count: Ring.identitySlots)

    private let context: NodeContext
    private var me: Peer { context.me }
    private var config: NodeConfig { context.config }

    /// Most dead peers remembered.
    static let deadPeerMemory = 64
    /// Most verified peers remembered.
    static let verifiedMemory = 512
    /// How long an answer counts as verifying its sender.
    static let verificationLifetime = Nanos.seconds(60)
    /// Most confirmed members remembered.
    static let confirmedMemberMemory = 64
    /// Most membership lookups running at once (a stranger's `store`s cannot start more).
    static let maximumConfirmations = 8
    /// Entries of the identity cache (a power of two).
    static let identitySlots = 128

    init(context: NodeContext) {
        self.context = context
    }

    /// Whether changes were recorded since the last `takeChanges`.
    var hasChanges: Bool { !changes.isEmpty }

    /// Takes the changes recorded since the last call.
    func takeChanges() -> RingChanges {
        defer { changes = RingChanges() }
        return changes
    }

    // MARK: Phase

    /// The node starts looking for its successor through `bootstrap`.
    func startJoining(bootstrap: NodeAddress) {
        phase = .joining(bootstrap: bootstrap)
    }

    /// The node is a member: of a ring of its own, or of the one it `joined` (whose keys for
    /// its range are on their way).
    func becomeMember(joined: Bool) {
        phase = .member
        changes.becameMember = true
        changes.joined = joined
    }

    /// A graceful leave has finished: the node is no longer part of any ring.
    func leaveRing() {
        phase = .idle
    }

    // MARK: The door

    /// Replaces the successor list with `list` made valid: without this node, without
    /// duplicates, without peers just declared dead, cut where it would wrap past this node,
    /// and at most r long; its first entry verified or already in the list (the callers pass
    /// a list learned from a verified neighbour). A member left with no successor falls back
    /// on the nearest peer it still knows.
    func adoptSuccessors(_ list: [Peer]) {
        let old = successors.first
        var result: [Peer] = []
        result.reserveCapacity(config.successorListLength)
        var lastDistance = Identifier.zero
        for peer in list where peer.id != me.id && !isRecentlyDead(peer) {
            if result.isEmpty && !isVerified(peer) && !successors.contains(peer) {
                context.counters.unverifiedRefused += 1
                continue
            }
            let distance = me.id.distance(to: peer.id)
            if distance > lastDistance {
                result.append(peer)
                lastDistance = distance
                if result.count == config.successorListLength { break }
            } else if distance < lastDistance {
                break
            }
        }
        setSuccessors(result)
        if successors.isEmpty && phase == .member { recoverSuccessor() }
        if successors.first != old { context.event(.successorChanged(successors.first)) }
    }

    /// Sets the predecessor. A member whose predecessor moved to a new peer records the move
    /// with the lower bound of its owned range before it (repair hands keys over and
    /// synchronizes replicas).
    func setPredecessor(_ peer: Peer?) {
        guard peer != predecessor else { return }
        if let peer, !isVerified(peer) {
            context.counters.unverifiedRefused += 1
            return
        }
        let old = predecessor
        predecessor = peer
        furtherPredecessors = []
        context.event(.predecessorChanged(peer))
        guard let peer, phase == .member else { return }
        let lower = old?.id ?? lastPredecessorID ?? me.id
        lastPredecessorID = peer.id
        changes.predecessorMoves.append(PredecessorMove(lower: lower, to: peer))
    }

    /// Link `index` of the predecessor chain (0: the predecessor's predecessor) said `peer`
    /// precedes it: the chain is kept up to there and extended by `peer`, as long as it goes
    /// on counter-clockwise, never reaches this node, and is at most R − 1 long.
    func extendPredecessorChain(at index: Int, with peer: Peer) {
        guard let predecessor, index <= furtherPredecessors.count, index < config.replicas - 1 else { return }
        let previous = index == 0 ? predecessor : furtherPredecessors[index - 1]
        guard peer.id != me.id, peer.id.distance(to: me.id) > previous.id.distance(to: me.id) else { return }
        if index < furtherPredecessors.count && furtherPredecessors[index] == peer { return }
        furtherPredecessors = Array(furtherPredecessors.prefix(index)) + [peer]
    }

    /// Points fingers `indices` at `peer` (nil: unknown); refused for a peer not verified.
    func setFingers(_ indices: Range<Int>, to peer: Peer?) {
        if let peer, !isVerified(peer) {
            context.counters.unverifiedRefused += 1
            return
        }
        for index in indices { fingers[index] = peer }
        distinctFingersCache = nil
    }

    /// A silent peer leaves every routing structure and is remembered as dead: it may be on
    /// the other side of a partition, and is probed again later.
    func declareDead(_ peer: Peer) {
        guard peer != me else { return }
        context.counters.peersDeclaredDead += 1
        let oldSuccessor = successors.first
        setSuccessors(successors.filter { $0 != peer })
        if predecessor == peer { setPredecessor(nil) }
        forgetFingers(of: peer)
        if deadPeers.count >= Self.deadPeerMemory,
           let oldest = deadPeers.min(by: { ($0.value.since, $0.key) < ($1.value.since, $1.key) }) {
            deadPeers.removeValue(forKey: oldest.key)
        }
        deadPeers[peer.address] = (peer, context.now)
        context.event(.peerDeclaredDead(peer))
        if successors.isEmpty && phase == .member { recoverSuccessor() }
        if successors.first != oldSuccessor { context.event(.successorChanged(successors.first)) }
    }

    /// A gracefully leaving neighbour: out of the fingers, and out of the successor list, its
    /// own successors taking its place. Returns whether it was in the successor list.
    func removeLeaver(_ leaver: Peer, replacingWith leaverSuccessors: [Peer]) -> Bool {
        forgetFingers(of: leaver)
        guard let position = successors.firstIndex(of: leaver) else { return false }
        adoptSuccessors(Array(successors[..<position]) + leaverSuccessors + Array(successors[(position + 1)...]))
        return true
    }

    /// `address` sent us something from its own address: if it was declared dead, it is back.
    @inline(__always)
    func heardFrom(_ address: NodeAddress) {
        if !deadPeers.isEmpty, let dead = deadPeers.removeValue(forKey: address) {
            changes.peerReturned = true
            context.event(.peerReturned(dead.peer))
        }
    }

    /// Dead peers declared after `horizon` (oldest forgotten), in identifier order.
    func deadPeers(since horizon: Instant) -> [Peer] {
        let recent = deadPeers.values.filter { $0.since > horizon }.map(\.peer).sorted { $0.id < $1.id }
        if recent.count < deadPeers.count { deadPeers = deadPeers.filter { $0.value.since > horizon } }
        return recent
    }

    /// `address` answered one of our requests: whoever is there receives at it (a peer
    /// advertising it is verified).
    func heardInAnswer(from address: NodeAddress) {
        verified.set(context.now, for: address)
    }

    /// Asks for stabilize to run at once (the successor changed under it).
    func requestStabilize() {
        changes.stabilizeSoon = true
    }

    private func setSuccessors(_ list: [Peer]) {
        let replicas = config.replicas - 1
        if phase == .member && replicas > 0 && list.prefix(replicas) != successors.prefix(replicas) {
            changes.replicaSetChanged = true
        }
        successors = list
        successorListVersion &+= 1
    }

    private func forgetFingers(of peer: Peer) {
        for index in fingers.indices where fingers[index] == peer {
            fingers[index] = nil
            distinctFingersCache = nil
        }
    }

    /// Every successor is gone: take the nearest live-looking peer still known clockwise (a
    /// finger or the predecessor); stabilize then walks back to the true successor.
    private func recoverSuccessor() {
        var best: Peer?
        var bestDistance = Identifier.max
        var candidates = fingers.compactMap { $0 }
        if let predecessor { candidates.append(predecessor) }
        for peer in candidates where peer.id != me.id && !isRecentlyDead(peer) {
            let distance = me.id.distance(to: peer.id)
            if distance < bestDistance {
                best = peer
                bestDistance = distance
            }
        }
        if let best {
            setSuccessors([best])
            requestStabilize()
        }
    }

    // MARK: Queries

    /// The first successor, or nil when alone.
    var successor: Peer? { successors.first }

    /// Whether `peer` answered one of this node's requests within the verification lifetime.
    func isVerified(_ peer: Peer) -> Bool {
        guard let at = verified[peer.address] else { return false }
        return context.now - at <= Self.verificationLifetime
    }

    /// Whether to start a lookup of `peer`'s identifier to confirm it is a member: not when it
    /// is confirmed already, one runs for it, or `maximumConfirmations` run.
    func beginConfirming(_ peer: Peer) -> Bool {
        guard !isConfirmedMember(peer), confirming.count < Self.maximumConfirmations else { return false }
        return confirming.insert(peer).inserted
    }

    /// The lookup of `peer`'s identifier ended (`atPeer`: at `peer`, a member of this ring).
    func confirmationEnded(_ peer: Peer, atPeer: Bool) {
        confirming.remove(peer)
        if atPeer { confirmedMembers.set(context.now, for: peer) }
    }

    /// Whether `peer` was confirmed a member within the verification lifetime.
    func isConfirmedMember(_ peer: Peer) -> Bool {
        guard let at = confirmedMembers[peer] else { return false }
        return context.now - at <= Self.verificationLifetime
    }

    /// Whether `peer`'s identifier is the one its address must have (the identity rule).
    func isGenuine(_ peer: Peer) -> Bool {
        let address = peer.address
        let mixed = (address.lowBits ^ address.highBits ^ UInt64(address.port) << 32) &* 0x9E37_79B9_7F4A_7C15
        let slot = Int(truncatingIfNeeded: mixed >> 32) & (Self.identitySlots - 1)
        if let entry = checkedIdentities[slot], entry.address == address { return entry.id == peer.id }
        let id = config.identityRule.identifier(of: address)
        checkedIdentities[slot] = (address, id)
        return id == peer.id
    }

    /// The R nodes before this one, nearest first, as far as known: the owners whose ranges
    /// this node replicates (and one more).
    var knownPredecessors: [Peer] {
        guard let predecessor else { return [] }
        return [predecessor] + furtherPredecessors
    }

    /// The predecessor `leaver` is leaving gracefully: its keys may come until `until`.
    func predecessorDeparts(_ leaver: Peer, until: Instant) {
        departed = (leaver, until)
    }

    /// Whether `sender` may hand this node an entry for key identifier `id`, by this node's
    /// own view of the ring:
    /// - the sender is one of the R nodes before this one (whose ranges this node replicates,
    ///   and one more), or the predecessor that just left, and lies in [key, this node): the
    ///   key's owner, or a replica before this one (replication, read repair, anti-entropy, a
    ///   leaving predecessor's hand-over);
    /// - the sender is one of this node's successors and the key does not lie in
    ///   (this node, sender]: this node owns the key or is about to (a successor handing a new
    ///   predecessor its range, a replica pushing the owner's own range, a former replica
    ///   retiring its copy);
    /// - this node owns the key and the sender is a confirmed member (a lookup of its
    ///   identifier ended at it lately, `confirmMember`): a former owner or replica from
    ///   anywhere on the ring handing the owner its copy, as after a healed partition, when
    ///   the newest copy of a key may sit on a node before it. A sender refused for want of
    ///   that is checked (`beginConfirming`), so its next attempt is accepted if it is a member.
    func mayHold(_ id: Identifier, from sender: Peer) -> Bool {
        let before = sender.id == id || sender.id.isInOpenInterval(id, me.id)
        if before && knownPredecessors.contains(sender) { return true }
        if owns(id) && isConfirmedMember(sender) { return true }
        if before, let departed, departed.peer == sender, context.now < departed.until { return true }
        return successors.contains(sender) && !id.isInHalfOpenInterval(me.id, sender.id)
    }

    /// Whether `peer` was declared dead recently enough that a neighbour's stale list
    /// mentioning it should not bring it back.
    func isRecentlyDead(_ peer: Peer) -> Bool {
        guard let entry = deadPeers[peer.address], entry.peer.id == peer.id else { return false }
        return context.now - entry.since < 2 * config.stabilizeInterval
    }

    /// Whether this node owns `id`: it lies in (predecessor, self]. Without a predecessor (it
    /// just died, or none has notified yet) the last known one bounds the range; a node alone
    /// owns everything.
    func owns(_ id: Identifier) -> Bool {
        guard phase == .member else { return false }
        if let predecessor { return id.isInHalfOpenInterval(predecessor.id, me.id) }
        if successors.isEmpty { return true }
        if let lastPredecessorID { return id.isInHalfOpenInterval(lastPredecessorID, me.id) }
        return false
    }

    /// The lower bound of the owned range (lower, me.id], when known.
    var ownedRangeLowerBound: Identifier? {
        predecessor?.id ?? lastPredecessorID ?? (successors.isEmpty ? me.id : nil)
    }

    /// The replica set after the owner: its successors, nearest first.
    var replicaCandidates: [Peer] { successors.filter { $0.id != me.id } }

    /// The successors that hold replicas of the owned range: the first R − 1.
    var replicas: ArraySlice<Peer> { replicaCandidates.prefix(config.replicas - 1) }

    /// Distinct known fingers, in finger order.
    var distinctFingers: [Peer] { fingersHighToLow.reversed() }

    /// Distinct known fingers from the highest index down (the routing order), cached.
    var fingersHighToLow: [Peer] {
        if let cached = distinctFingersCache { return cached }
        var result: [Peer] = []
        for case let finger? in fingers.reversed() where result.last != finger && !result.contains(finger) {
            result.append(finger)
        }
        distinctFingersCache = result
        return result
    }

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

    // MARK: Test fixtures

    /// Places the node in a ring by hand, as if it had always had these neighbours: no event,
    /// no change for other concerns, no protocol traffic (tests build rings this way).
    func install(phase: ChordNode.Phase? = nil, successors: [Peer]? = nil) {
        if let phase { self.phase = phase }
        if let successors {
            self.successors = successors
            successorListVersion &+= 1
        }
    }

    /// Sets the predecessor (and the ones before it) by hand (see `install(phase:successors:)`).
    func install(phase: ChordNode.Phase? = nil, predecessor: Peer?, furtherPredecessors: [Peer] = [],
                 successors: [Peer]? = nil) {
        self.predecessor = predecessor
        self.furtherPredecessors = furtherPredecessors
        install(phase: phase, successors: successors)
    }
}

/// What changed in the ring that other concerns react to (`ChordNode.settle` hands it on).
struct RingChanges {
    /// The first R − 1 successors changed while the node was a member (replicas > 1).
    var replicaSetChanged = false
    /// The predecessor moved, in order.
    var predecessorMoves: [PredecessorMove] = []
    /// The node became a member: periodic work starts.
    var becameMember = false
    /// It became a member by joining an existing ring: its keys are on their way.
    var joined = false
    /// Stabilize should run at once.
    var stabilizeSoon = false
    /// A peer once declared dead answered again: rings may be merging.
    var peerReturned = false

    /// Whether nothing changed.
    var isEmpty: Bool { !replicaSetChanged && predecessorMoves.isEmpty && !becameMember && !stabilizeSoon && !peerReturned }
}

/// A member's predecessor moved to `to`; its owned range was (lower, me] before.
struct PredecessorMove {
    /// The lower bound of the owned range before the move.
    var lower: Identifier
    /// The new predecessor.
    var to: Peer
}

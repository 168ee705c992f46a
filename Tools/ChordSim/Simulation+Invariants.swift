import ChordCore

/// Zave's ring invariants, checked against the simulator's ground truth (who is alive, who
/// has joined):
/// - every successor list is ordered clockwise, has no duplicates and not the node itself;
/// - following best successors (first live member in each list), the members form exactly one
///   cycle: the ring; every member reaches it, since a functional graph with one cycle leads
///   everything into it;
/// - the ring is ordered: it goes round the identifier space exactly once;
/// - no ring member lies strictly between a member and its best successor. For ring members
///   this must hold at every step. For appendages (joined, not yet on the ring) it must hold
///   in Zave's model, where a join is atomic; over a real network a join's answer can be stale
///   on arrival (another node joined meanwhile), so an appendage may briefly skip a ring member
///   until its next stabilize. Such a violation must clear within `appendageGrace`; one that
///   persists (the stuck interleaved rings the original Chord can fall into) fails the run.
/// While a partition is in force, only the local checks run (each side is its own ring by
/// design). After it heals, several rings are allowed until they have merged (each must be
/// ordered); reunion itself is a liveness property, checked by `isExact`.
extension Simulation {
    /// What is wrong with a core's successor list (longer than its r, the node itself, a
    /// duplicate, out of clockwise order), or nil.
    static func successorListProblem(_ core: ChordNode) -> SuccessorListProblem? {
        RingInvariants.successorListProblem(core.successors, of: core.me.id, maximumLength: core.config.successorListLength)
    }

    func checkRingIfDue(force: Bool) throws(InvariantViolation) {
        let recheck = !appendageViolations.isEmpty && now - lastRingCheck >= appendageRecheck
        guard structureChanged || force || recheck else { return }
        switch checkPolicy {
        case .off:
            if !force { return }
        case .everyStructuralChange:
            break
        case .periodic(let interval):
            if !force && !recheck && now - lastRingCheck < interval { return }
        }
        structureChanged = false
        lastRingCheck = now
        if isPartitioned {
            appendageViolations = [:]
            return
        }
        if let problem = ringProblem() { throw violation(problem) }
    }

    /// The host index of a member's best successor: its first live, joined successor; itself
    /// when alone; nil when every listed successor is dead.
    func bestSuccessor(of host: Int) -> Int? {
        guard let core = cores[host] else { return nil }
        if core.successors.isEmpty { return host }
        for peer in core.successors {
            if let index = hostIndex(of: peer.address), hosts[index].isMember, hosts[index].id == peer.id {
                return index
            }
        }
        return nil
    }

    /// The first ring invariant found broken, or nil.
    func ringProblem() -> String? {
        ringChecks += 1
        let memberHosts = members.entries
        guard memberHosts.count > 1 else { return nil }
        // Dense numbering of members (in identifier order) for the graph.
        var slot = [Int: Int]()
        slot.reserveCapacity(memberHosts.count)
        for (position, entry) in memberHosts.enumerated() { slot[entry.host] = position }
        let graph = SuccessorGraph(identifiers: memberHosts.map(\.id),
                                   next: memberHosts.map { entry in bestSuccessor(of: entry.host).flatMap { slot[$0] } })
        if graph.disconnected > 0 { disconnectedSightings += 1 }
        let cycles = graph.cycles
        if cycles.count != 1 && !(allowSeveralRings && cycles.count > 1) {
            let sizes = cycles.map(\.count).sorted(by: >).prefix(5).map(String.init).joined(separator: ", ")
            return "\(cycles.count) rings among \(memberHosts.count) members (sizes \(sizes))"
        }
        for ring in cycles where ring.count > 1 {
            let windings = graph.windings(of: ring)
            if windings != 1 { return "a ring of \(ring.count) is not ordered: it wraps \(windings) times round the identifier space" }
        }
        guard cycles.count == 1 else { return nil }  // rings still merging after a partition
        // No ring member lies strictly between any member (on the ring or an appendage) and its
        // best successor.
        var stillViolating: [Int: (successor: Int, since: Instant)] = [:]
        for skip in graph.skips(around: cycles[0]) {
            let describe = "ring member \(hosts[memberHosts[skip.skipped].host].address) lies between "
                + (skip.memberIsOnRing ? "ring member" : "appendage")
                + " \(hosts[memberHosts[skip.member].host].address) and its best successor \(hosts[memberHosts[skip.successor].host].address)"
            if skip.memberIsOnRing { return describe }
            let host = memberHosts[skip.member].host
            let successorHost = memberHosts[skip.successor].host
            var since = now
            if let earlier = appendageViolations[host], earlier.successor == successorHost { since = earlier.since }
            if now - since > appendageGrace {
                return describe + " for \(Double(now - since) / 1e9) s (allowed: \(Double(appendageGrace) / 1e9) s)"
            }
            stillViolating[host] = (successorHost, since)
            longestAppendageSkip = max(longestAppendageSkip, now - since)
        }
        appendageViolations = stillViolating
        transientAppendageViolations = max(transientAppendageViolations, stillViolating.count)
        return nil
    }

    /// Whether every live member's first successor and predecessor are exact.
    public var isExact: Bool { exactness().pointersExact }

    /// How exact the ring is right now.
    public func exactness() -> Exactness {
        let entries = members.entries
        var result = Exactness(members: entries.count)
        guard !entries.isEmpty else { return result }
        let joining = hosts.indices.filter { hosts[$0].isAlive && !hosts[$0].isMember }
        result.notYetJoined = joining.count
        result.joiningHosts = joining.prefix(5).map { index in
            "h\(index) \(cores[index].map { String(describing: $0.phase) + " " + $0.debugState } ?? "")"
        }
        let ring = ExactRing(entries.map { Peer(id: $0.id, address: hosts[$0.host].address) })
        for entry in entries {
            guard let core = hosts[entry.host].core else { continue }
            let reported = MemberPointers(member: core.me, successors: core.successors,
                                          predecessor: core.predecessor)
            guard let deviation = ring.deviation(of: reported, successorListLength: core.config.successorListLength) else { continue }
            if deviation.wrongSuccessor { result.wrongSuccessors += 1 }
            if deviation.wrongPredecessor { result.wrongPredecessors += 1 }
            if deviation.wrongSuccessorList { result.inexactSuccessorLists += 1 }
        }
        return result
    }
}

/// How far the ring is from exact.
public struct Exactness: Sendable, CustomStringConvertible {
    /// Live joined hosts.
    public var members: Int
    /// Live hosts still joining.
    public var notYetJoined = 0
    /// Members whose first successor is not the next member.
    public var wrongSuccessors = 0
    /// Members whose predecessor is not the previous member.
    public var wrongPredecessors = 0
    /// Members whose whole successor list is not the next r members.
    public var inexactSuccessorLists = 0
    /// A few hosts still joining, described (debugging).
    public var joiningHosts: [String] = []

    init(members: Int) { self.members = members }

    /// Every first successor and predecessor is exact, and nobody is still joining.
    public var pointersExact: Bool { wrongSuccessors == 0 && wrongPredecessors == 0 && notYetJoined == 0 }

    /// A readable description.
    public var description: String {
        "\(members) members, \(notYetJoined) joining, \(wrongSuccessors) wrong successors, "
            + "\(wrongPredecessors) wrong predecessors, \(inexactSuccessorLists) inexact successor lists"
            + (joiningHosts.isEmpty ? "" : " (joining: \(joiningHosts.joined(separator: "; ")))")
    }
}

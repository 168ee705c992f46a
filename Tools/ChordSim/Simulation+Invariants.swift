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
    /// What is wrong with a core's successor list, or nil.
    static func successorListProblem(_ core: ChordNode) -> String? {
        let list = core.successors
        if list.count > core.config.successorListLength { return "successor list longer than r" }
        var lastDistance = Identifier.zero
        for peer in list {
            if peer.id == core.me.id { return "successor list contains the node itself" }
            let distance = core.me.id.distance(to: peer.id)
            if distance == lastDistance { return "successor list has a duplicate \(peer)" }
            if distance < lastDistance { return "successor list out of order at \(peer)" }
            lastDistance = distance
        }
        return nil
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
        // Dense numbering of members for the graph walk.
        var slot = [Int: Int]()
        slot.reserveCapacity(memberHosts.count)
        for (position, entry) in memberHosts.enumerated() { slot[entry.host] = position }
        var next = [Int](repeating: -1, count: memberHosts.count)
        var disconnected = 0
        for (position, entry) in memberHosts.enumerated() {
            if let best = bestSuccessor(of: entry.host), let target = slot[best] {
                next[position] = target
            } else {
                disconnected += 1
            }
        }
        if disconnected > 0 { disconnectedSightings += 1 }
        // Find cycles in the functional graph.
        var state = [UInt8](repeating: 0, count: memberHosts.count)  // 0 new, 1 on path, 2 done
        var cycles: [[Int]] = []
        for start in 0..<memberHosts.count where state[start] == 0 {
            var path: [Int] = []
            var current = start
            while current >= 0 && state[current] == 0 {
                state[current] = 1
                path.append(current)
                current = next[current]
            }
            if current >= 0 && state[current] == 1, let from = path.firstIndex(of: current) {
                cycles.append(Array(path[from...]))
            }
            for node in path { state[node] = 2 }
        }
        if cycles.count != 1 && !(allowSeveralRings && cycles.count > 1) {
            let sizes = cycles.map(\.count).sorted(by: >).prefix(5).map(String.init).joined(separator: ", ")
            return "\(cycles.count) rings among \(memberHosts.count) members (sizes \(sizes))"
        }
        for ring in cycles where ring.count > 1 {
            var descents = 0
            for (position, node) in ring.enumerated() {
                let successor = ring[(position + 1) % ring.count]
                if memberHosts[successor].id < memberHosts[node].id { descents += 1 }
            }
            if descents != 1 { return "a ring of \(ring.count) is not ordered: it wraps \(descents) times round the identifier space" }
        }
        guard cycles.count == 1 else { return nil }  // rings still merging after a partition
        let ring = cycles[0]
        // No ring member lies strictly between any member (on the ring or an appendage) and its
        // best successor. Members are numbered in identifier order, so the ring's members sorted
        // by number are in identifier order; the nearest ring member after a node is found by
        // binary search among them.
        let ringPositions = ring.sorted()
        let onRing = onRingFlags(ring, count: memberHosts.count)
        var stillViolating: [Int: (successor: Int, since: Instant)] = [:]
        for node in 0..<memberHosts.count {
            let successor = next[node]
            guard successor >= 0, successor != node else { continue }
            var low = 0, high = ringPositions.count
            while low < high {
                let mid = (low + high) / 2
                if ringPositions[mid] <= node { low = mid + 1 } else { high = mid }
            }
            let nearest = ringPositions[low == ringPositions.count ? 0 : low]
            guard nearest != successor && nearest != node
                && memberHosts[nearest].id.isInOpenInterval(memberHosts[node].id, memberHosts[successor].id) else { continue }
            let describe = "ring member \(hosts[memberHosts[nearest].host].address) lies between "
                + (onRing[node] ? "ring member" : "appendage")
                + " \(hosts[memberHosts[node].host].address) and its best successor \(hosts[memberHosts[successor].host].address)"
            if onRing[node] { return describe }
            let host = memberHosts[node].host
            let successorHost = memberHosts[successor].host
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

    private func onRingFlags(_ ring: [Int], count: Int) -> [Bool] {
        var flags = [Bool](repeating: false, count: count)
        for node in ring { flags[node] = true }
        return flags
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
        for (position, entry) in entries.enumerated() {
            guard let core = hosts[entry.host].core else { continue }
            let expectedSuccessor = entries.count == 1 ? nil : entries[(position + 1) % entries.count]
            let expectedPredecessor = entries.count == 1 ? nil : entries[(position + entries.count - 1) % entries.count]
            if core.successors.first?.id != expectedSuccessor?.id { result.wrongSuccessors += 1 }
            if core.predecessor?.id != expectedPredecessor?.id { result.wrongPredecessors += 1 }
            let listLength = min(core.config.successorListLength, entries.count - 1)
            var listExact = core.successors.count == listLength
            if listExact {
                for offset in 0..<listLength where core.successors[offset].id != entries[(position + 1 + offset) % entries.count].id {
                    listExact = false
                    break
                }
            }
            if !listExact { result.inexactSuccessorLists += 1 }
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

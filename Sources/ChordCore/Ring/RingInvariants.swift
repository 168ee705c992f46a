/// Zave's ring invariants as pure ring arithmetic over plain values: identifiers, peers and
/// successor lists. Nothing here knows about nodes, processes, networks or time, so the
/// simulator, a cluster of real processes and the tests all judge a ring the same way:
///
/// - `successorListProblem`: a successor list is ordered clockwise from its owner, without
///   duplicates and without the owner itself, and no longer than r;
/// - `ExactRing`: the ring the members should form (each one's successor list is the next r
///   members clockwise, its predecessor the previous one), and which members' pointers differ;
/// - `SuccessorGraph`: the graph "each member points at its best successor", whose cycles are
///   the rings: exactly one, ordered, with no ring member between a member and its best
///   successor.
public enum RingInvariants {
    /// What is wrong with `list`, the successor list of the member whose identifier is
    /// `owner`, or nil: more than `maximumLength` entries, the owner itself, an identifier
    /// twice, or an entry not clockwise after the one before it (the list may wrap past zero).
    public static func successorListProblem(_ list: [Peer], of owner: Identifier, maximumLength: Int)
        -> SuccessorListProblem? {
        if list.count > maximumLength { return .tooLong(count: list.count, limit: maximumLength) }
        var lastDistance = Identifier.zero
        for peer in list {
            if peer.id == owner { return .containsOwner }
            let distance = owner.distance(to: peer.id)
            if distance == lastDistance { return .duplicate(peer) }
            if distance < lastDistance { return .outOfOrder(peer) }
            lastDistance = distance
        }
        return nil
    }
}

/// What is wrong with a successor list.
public enum SuccessorListProblem: Error, Hashable, Sendable, CustomStringConvertible {
    /// More entries than the configured length r.
    case tooLong(count: Int, limit: Int)
    /// The list's owner is in it.
    case containsOwner
    /// This peer's identifier is in the list twice.
    case duplicate(Peer)
    /// This peer is not clockwise after the entry before it.
    case outOfOrder(Peer)

    /// A readable description.
    public var description: String {
        switch self {
        case .tooLong: "successor list longer than r"
        case .containsOwner: "successor list contains the node itself"
        case .duplicate(let peer): "successor list has a duplicate \(peer)"
        case .outOfOrder(let peer): "successor list out of order at \(peer)"
        }
    }
}

/// One member's ring pointers as it reports them: itself, its successor list and its
/// predecessor.
public struct MemberPointers: Hashable, Sendable {
    /// The member.
    public var member: Peer
    /// Its successor list, nearest first.
    public var successors: [Peer]
    /// Its predecessor, if it has one.
    public var predecessor: Peer?

    /// A member's pointers.
    public init(member: Peer, successors: [Peer], predecessor: Peer?) {
        self.member = member
        self.successors = successors
        self.predecessor = predecessor
    }
}

/// How one member's pointers differ from the exact ring.
public struct PointerDeviation: Hashable, Sendable, CustomStringConvertible {
    /// What the member reported.
    public let reported: MemberPointers
    /// Its successor list in the exact ring.
    public let expectedSuccessors: [Peer]
    /// Its predecessor in the exact ring (nil in a ring of one).
    public let expectedPredecessor: Peer?

    /// Its first successor is not the next member.
    public var wrongSuccessor: Bool { reported.successors.first != expectedSuccessors.first }
    /// Its predecessor is not the previous member.
    public var wrongPredecessor: Bool { reported.predecessor != expectedPredecessor }
    /// Its successor list is not the next min(r, n − 1) members.
    public var wrongSuccessorList: Bool { reported.successors != expectedSuccessors }

    /// What differs, by address: "ADDRESS: predecessor P, expected Q; successors [...], expected [...]".
    public var description: String {
        func name(_ peer: Peer?) -> String { peer.map { "\($0.address)" } ?? "nil" }
        var parts: [String] = []
        if wrongPredecessor {
            parts.append("predecessor \(name(reported.predecessor)), expected \(name(expectedPredecessor))")
        }
        if wrongSuccessorList {
            func names(_ peers: [Peer]) -> String { "[" + peers.map { "\($0.address)" }.joined(separator: ", ") + "]" }
            parts.append("successors \(names(reported.successors)), expected \(names(expectedSuccessors))")
        }
        return "\(reported.member.address): " + parts.joined(separator: "; ")
    }
}

/// The ring a set of members forms when every pointer is exact: members in identifier
/// order; each one's successor list is the next min(r, n − 1) members clockwise, its
/// predecessor the previous member (none in a ring of one); a key belongs to the first member
/// at or after it, wrapping.
public struct ExactRing: Sendable {
    /// The members, in identifier order.
    public let members: [Peer]

    /// The exact ring of `members` (in any order; identifiers distinct).
    public init(_ members: [Peer]) {
        self.members = members.sorted { $0.id < $1.id }
    }

    /// Number of members.
    public var count: Int { members.count }

    /// The position of the member with identifier `id`, or nil.
    public func position(of id: Identifier) -> Int? {
        let position = members.lowerBound(of: id, identifier: \.id)
        return position < members.count && members[position].id == id ? position : nil
    }

    /// The position of the member that owns `key`: the first at or after it, wrapping; nil
    /// when there are no members.
    public func ownerPosition(of key: Identifier) -> Int? {
        guard !members.isEmpty else { return nil }
        let position = members.lowerBound(of: key, identifier: \.id)
        return position == members.count ? 0 : position
    }

    /// The member that owns `key` (see `ownerPosition(of:)`).
    public func owner(of key: Identifier) -> Peer? {
        ownerPosition(of: key).map { members[$0] }
    }

    /// The `count` members after the one at `position`, clockwise, never itself: at most
    /// n − 1 of them.
    public func successors(of position: Int, count: Int) -> [Peer] {
        let length = Swift.max(0, Swift.min(count, members.count - 1))
        return (0..<length).map { members[(position + 1 + $0) % members.count] }
    }

    /// The member before the one at `position`, or nil in a ring of one.
    public func predecessor(of position: Int) -> Peer? {
        members.count > 1 ? members[(position + members.count - 1) % members.count] : nil
    }

    /// How `reported`, a member's pointers, differ from the exact ring with successor lists
    /// of length `successorListLength` (r); nil when they are exact. The member must be one
    /// of `members`.
    public func deviation(of reported: MemberPointers, successorListLength: Int) -> PointerDeviation? {
        guard let position = position(of: reported.member.id) else {
            preconditionFailure("\(reported.member) is not a member of this ring")
        }
        let length = Swift.max(0, Swift.min(successorListLength, members.count - 1))
        var exact = reported.successors.count == length && reported.predecessor == predecessor(of: position)
        var offset = 0
        while exact && offset < length {
            exact = reported.successors[offset] == members[(position + 1 + offset) % members.count]
            offset += 1
        }
        if exact { return nil }
        return PointerDeviation(reported: reported, expectedSuccessors: successors(of: position, count: length),
                                expectedPredecessor: predecessor(of: position))
    }

    /// The deviations of every member in `reports` (members only), in the order given.
    public func deviations(_ reports: [MemberPointers], successorListLength: Int) -> [PointerDeviation] {
        reports.compactMap { deviation(of: $0, successorListLength: successorListLength) }
    }
}

extension RandomAccessCollection {
    /// In a collection sorted by ascending `identifier`, the index of the first element whose
    /// identifier is `id` or more (`endIndex` when none): where `id` would be inserted, and
    /// where the search for its owner on the ring starts. Binary search.
    @inlinable
    public func lowerBound(of id: Identifier, identifier: (Element) -> Identifier) -> Index {
        var low = startIndex
        var length = count
        while length > 0 {
            let half = length / 2
            let middle = index(low, offsetBy: half)
            if identifier(self[middle]) < id {
                low = index(after: middle)
                length -= half + 1
            } else {
                length = half
            }
        }
        return low
    }
}

/// The graph in which every member points at its best successor (its first live member
/// successor): a functional graph, so every walk along it ends in a cycle, and the cycles are
/// the rings. Zave's global invariants: exactly one cycle; it is ordered (it goes round the
/// identifier space once); and no member of it lies strictly between any member and that
/// member's best successor. Members are numbered 0..<n in identifier order.
public struct SuccessorGraph: Sendable {
    /// The members' identifiers, ascending.
    public let identifiers: [Identifier]
    /// Each member's best successor, by number; nil when it has none (every successor dead).
    public let next: [Int?]
    /// The cycles, in the order the walks found them, each from the member where its walk
    /// entered it. A member alone whose best successor is itself is a cycle of one.
    public let cycles: [[Int]]

    /// The graph of members with these identifiers (ascending, distinct) and best successors.
    public init(identifiers: [Identifier], next: [Int?]) {
        precondition(identifiers.count == next.count, "one best successor per member")
        self.identifiers = identifiers
        self.next = next
        // Walk from every member not seen yet; a walk that meets its own path found a cycle.
        var state = [UInt8](repeating: 0, count: identifiers.count)  // 0 new, 1 on the path, 2 done
        var cycles: [[Int]] = []
        var path: [Int] = []
        for start in identifiers.indices where state[start] == 0 {
            path.removeAll(keepingCapacity: true)
            var current: Int? = start
            while let node = current, state[node] == 0 {
                state[node] = 1
                path.append(node)
                current = next[node]
            }
            if let node = current, state[node] == 1, let from = path.firstIndex(of: node) {
                cycles.append(Array(path[from...]))
            }
            for node in path { state[node] = 2 }
        }
        self.cycles = cycles
    }

    /// Members without a best successor.
    public var disconnected: Int { next.reduce(0) { $0 + ($1 == nil ? 1 : 0) } }

    /// How many times `cycle` goes round the identifier space: 1 for an ordered ring of two
    /// or more, 0 for a member alone.
    public func windings(of cycle: [Int]) -> Int {
        var descents = 0
        for (position, node) in cycle.enumerated() where identifiers[cycle[(position + 1) % cycle.count]] < identifiers[node] {
            descents += 1
        }
        return descents
    }

    /// A member whose best successor skips a ring member.
    public struct Skip: Hashable, Sendable {
        /// The member.
        public let member: Int
        /// Its best successor.
        public let successor: Int
        /// The ring member strictly between the two (the first after the member).
        public let skipped: Int
        /// Whether the member is on the ring itself (else an appendage: it leads into it).
        public let memberIsOnRing: Bool

        /// A skip.
        public init(member: Int, successor: Int, skipped: Int, memberIsOnRing: Bool) {
            self.member = member
            self.successor = successor
            self.skipped = skipped
            self.memberIsOnRing = memberIsOnRing
        }
    }

    /// Every member (on `ring` or not) whose best successor skips a member of `ring`, one of
    /// `cycles`, in member order.
    public func skips(around ring: [Int]) -> [Skip] {
        let ringPositions = ring.sorted()  // members are numbered in identifier order
        var onRing = [Bool](repeating: false, count: identifiers.count)
        for node in ring { onRing[node] = true }
        var skips: [Skip] = []
        for node in identifiers.indices {
            guard let successor = next[node], successor != node else { continue }
            // The nearest ring member after the node, by binary search.
            var low = 0, high = ringPositions.count
            while low < high {
                let middle = (low + high) / 2
                if ringPositions[middle] <= node { low = middle + 1 } else { high = middle }
            }
            let nearest = ringPositions[low == ringPositions.count ? 0 : low]
            guard nearest != successor && nearest != node
                && identifiers[nearest].isInOpenInterval(identifiers[node], identifiers[successor]) else { continue }
            skips.append(Skip(member: node, successor: successor, skipped: nearest, memberIsOnRing: onRing[node]))
        }
        return skips
    }
}

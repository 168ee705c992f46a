import ChordCore
import Testing

/// A member with identifier `id`, at 10.0.16.x:4000 (so the address names the identifier).
private func member(_ id: UInt64) -> Peer {
    Peer(id: Identifier(id), address: NodeAddress(ipv4: 0x0A00_1000 | UInt32(id), port: 4000))
}

/// Zave's invariants as pure ring arithmetic: successor lists, the exact ring, the graph of
/// best successors.
@Suite("Ring invariants")
struct RingInvariantsTests {
    // MARK: Successor lists

    /// The problem of `ids` as the successor list of member 100, r = 4.
    private func problem(_ ids: [UInt64]) -> SuccessorListProblem? {
        RingInvariants.successorListProblem(ids.map(member), of: Identifier(100), maximumLength: 4)
    }

    @Test("A list ordered clockwise from its owner, wrapping past zero, or empty, is well formed")
    func wellFormedLists() {
        #expect(problem([101, 200, 5, 99]) == nil)
        #expect(problem([]) == nil)
        #expect(RingInvariants.successorListProblem([member(1)], of: .max, maximumLength: 1) == nil)
    }

    @Test("The owner in its own list, a duplicate, a list out of order, one longer than r")
    func malformedLists() {
        #expect(problem([150, 100, 20]) == .containsOwner)
        #expect(problem([150, 200, 200]) == .duplicate(member(200)))
        #expect(problem([200, 150]) == .outOfOrder(member(150)))
        #expect(problem([150, 5, 200]) == .outOfOrder(member(200)))
        #expect(problem([5, 101]) == .outOfOrder(member(101)))
        #expect(problem([101, 102, 103, 104, 105]) == .tooLong(count: 5, limit: 4))
        #expect(problem([150, 100, 20])?.description == "successor list contains the node itself")
    }

    // MARK: The exact ring

    @Test("Members in identifier order; owners wrap past the last member")
    func ownersAndNeighbours() {
        let ring = ExactRing([member(300), member(100), member(200)])
        #expect(ring.members == [member(100), member(200), member(300)])
        #expect(ring.owner(of: Identifier(150)) == member(200))
        #expect(ring.owner(of: Identifier(200)) == member(200))
        #expect(ring.owner(of: Identifier(301)) == member(100))
        #expect(ring.owner(of: .zero) == member(100))
        #expect(ring.position(of: Identifier(300)) == 2)
        #expect(ring.position(of: Identifier(250)) == nil)
        #expect(ring.successors(of: 2, count: 8) == [member(100), member(200)])
        #expect(ring.successors(of: 1, count: 1) == [member(300)])
        #expect(ring.predecessor(of: 0) == member(300))
        #expect(ExactRing([member(7)]).predecessor(of: 0) == nil)
        #expect(ExactRing([member(7)]).successors(of: 0, count: 8).isEmpty)
        #expect(ExactRing([]).owner(of: .zero) == nil)
    }

    @Test("Lower bound by identifier: the first at or after, the end past the last")
    func lowerBound() {
        let ids = [10, 20, 30].map { Identifier(UInt64($0)) }
        #expect(ids.lowerBound(of: Identifier(5), identifier: { $0 }) == 0)
        #expect(ids.lowerBound(of: Identifier(10), identifier: { $0 }) == 0)
        #expect(ids.lowerBound(of: Identifier(11), identifier: { $0 }) == 1)
        #expect(ids.lowerBound(of: Identifier(30), identifier: { $0 }) == 2)
        #expect(ids.lowerBound(of: Identifier(31), identifier: { $0 }) == 3)
        #expect([Identifier]().lowerBound(of: .zero, identifier: { $0 }) == 0)
        #expect(ids[1...].lowerBound(of: Identifier(25), identifier: { $0 }) == 2, "a slice's own indices")
    }

    @Test("Exact pointers have no deviation, in rings of one, two and more")
    func exactPointers() {
        let lone = ExactRing([member(7)])
        #expect(lone.deviation(of: MemberPointers(member: member(7), successors: [], predecessor: nil),
                               successorListLength: 8) == nil)
        let ring = ExactRing([100, 200, 300, 400].map(member))
        let exact = [
            MemberPointers(member: member(100), successors: [member(200), member(300)], predecessor: member(400)),
            MemberPointers(member: member(400), successors: [member(100), member(200)], predecessor: member(300)),
        ]
        #expect(ring.deviations(exact, successorListLength: 2).isEmpty)
        let full = MemberPointers(member: member(300), successors: [member(400), member(100), member(200)],
                                  predecessor: member(200))
        #expect(ring.deviation(of: full, successorListLength: 8) == nil, "r beyond n − 1: the other n − 1 members")
    }

    @Test("A wrong first successor, predecessor or list tail is each reported")
    func deviations() throws {
        let ring = ExactRing([100, 200, 300, 400].map(member))
        let skipping = MemberPointers(member: member(100), successors: [member(300), member(400)], predecessor: member(400))
        let first = try #require(ring.deviation(of: skipping, successorListLength: 2))
        #expect(first.wrongSuccessor && first.wrongSuccessorList && !first.wrongPredecessor)
        #expect(first.expectedSuccessors == [member(200), member(300)])

        let stalePredecessor = MemberPointers(member: member(200), successors: [member(300), member(400)], predecessor: member(400))
        let second = try #require(ring.deviation(of: stalePredecessor, successorListLength: 2))
        #expect(second.wrongPredecessor && !second.wrongSuccessor && !second.wrongSuccessorList)
        #expect(second.expectedPredecessor == member(100))

        let short = MemberPointers(member: member(300), successors: [member(400)], predecessor: member(200))
        let third = try #require(ring.deviation(of: short, successorListLength: 2))
        #expect(third.wrongSuccessorList && !third.wrongSuccessor && !third.wrongPredecessor)
        #expect(third.description == "10.0.17.44:4000: successors [10.0.17.144:4000], expected [10.0.17.144:4000, 10.0.16.100:4000]")
    }

    // MARK: The graph of best successors

    private let ids = [10, 20, 30, 40, 50].map { Identifier(UInt64($0)) }

    @Test("An ordered ring is one cycle that winds once, with nothing skipped")
    func orderedRing() {
        let graph = SuccessorGraph(identifiers: ids, next: [1, 2, 3, 4, 0])
        #expect(graph.cycles.count == 1)
        #expect(graph.cycles[0].sorted() == [0, 1, 2, 3, 4])
        #expect(graph.windings(of: graph.cycles[0]) == 1)
        #expect(graph.skips(around: graph.cycles[0]).isEmpty)
        #expect(graph.disconnected == 0)
    }

    @Test("Two rings are two cycles; a ring that goes round twice winds twice")
    func brokenRings() {
        let split = SuccessorGraph(identifiers: ids, next: [1, 0, 3, 4, 2])
        #expect(split.cycles.map { $0.sorted() }.sorted { $0[0] < $1[0] } == [[0, 1], [2, 3, 4]])
        let twice = SuccessorGraph(identifiers: ids, next: [2, 3, 4, 0, 1])
        #expect(twice.cycles.count == 1)
        #expect(twice.windings(of: twice.cycles[0]) == 2)
    }

    @Test("An appendage that skips a ring member, and ring members that do, are found")
    func skips() {
        // 0 → 2 passes over 1, which is not on the ring (allowed); appendage 1 → 3 skips ring member 2.
        let appendage = SuccessorGraph(identifiers: ids, next: [2, 3, 3, 4, 0])
        let ring = appendage.cycles[0]
        #expect(ring.sorted() == [0, 2, 3, 4])
        #expect(appendage.skips(around: ring) == [SuccessorGraph.Skip(member: 1, successor: 3, skipped: 2, memberIsOnRing: false)])
        // A ring that winds twice: every member skips the ring member after it.
        let twice = SuccessorGraph(identifiers: ids, next: [2, 3, 4, 0, 1])
        let skips = twice.skips(around: twice.cycles[0])
        #expect(skips.count == 5)
        #expect(skips.first == SuccessorGraph.Skip(member: 0, successor: 2, skipped: 1, memberIsOnRing: true))
        #expect(skips.last == SuccessorGraph.Skip(member: 4, successor: 1, skipped: 0, memberIsOnRing: true))
    }

    @Test("A member whose successors are all dead is disconnected; a member alone is its own cycle")
    func disconnectedAndAlone() {
        let graph = SuccessorGraph(identifiers: ids, next: [1, 2, 3, 4, nil])
        #expect(graph.disconnected == 1)
        #expect(graph.cycles.isEmpty)
        let alone = SuccessorGraph(identifiers: [Identifier(1)], next: [0])
        #expect(alone.cycles == [[0]])
        #expect(alone.windings(of: [0]) == 0)
    }
}

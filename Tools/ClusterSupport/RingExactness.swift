import ChordCore

/// How far a running ring is from exact, as its nodes report it: each node's successor list
/// and predecessor compared with `ExactRing` of the members.
public struct RingExactness: Sendable, CustomStringConvertible {
    /// Nodes running.
    public var nodes: Int
    /// Nodes that did not answer, and why.
    public var unanswered: [(node: NodeAddress, reason: String)] = []
    /// How the nodes that answered differ from the exact ring.
    public var deviations: [PointerDeviation] = []

    /// A ring of `nodes` members, none checked yet.
    public init(nodes: Int) { self.nodes = nodes }

    /// Nodes that did not answer.
    public var unreachable: Int { unanswered.count }
    /// Nodes whose first successor is wrong.
    public var wrongSuccessors: Int { deviations.filter(\.wrongSuccessor).count }
    /// Nodes whose predecessor is wrong.
    public var wrongPredecessors: Int { deviations.filter(\.wrongPredecessor).count }
    /// Nodes whose successor list (as long as the ring allows) is wrong.
    public var inexactLists: Int { deviations.filter(\.wrongSuccessorList).count }

    /// Every node answered, with exact successor, predecessor and successor list.
    public var isExact: Bool { unanswered.isEmpty && deviations.isEmpty }

    /// One line per node that did not answer or differs.
    public var problems: [String] {
        unanswered.map { "\($0.node): no answer (\($0.reason))" } + deviations.map(\.description)
    }

    /// A readable description (the counts).
    public var description: String {
        "\(nodes) nodes: \(unreachable) unreachable, \(wrongSuccessors) wrong successors, "
            + "\(wrongPredecessors) wrong predecessors, \(inexactLists) inexact successor lists"
    }
}

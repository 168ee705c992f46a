import ChordClient
import ChordCore
import Foundation

/// How far a running ring is from exact, as its nodes report it.
public struct RingExactness: Sendable, CustomStringConvertible {
    /// Nodes running.
    public var nodes: Int
    /// Nodes that did not answer.
    public var unreachable = 0
    /// Nodes whose first successor is wrong.
    public var wrongSuccessors = 0
    /// Nodes whose predecessor is wrong.
    public var wrongPredecessors = 0
    /// Nodes whose successor list (as long as the ring allows) is wrong.
    public var inexactLists = 0

    /// A ring description.
    public init(nodes: Int) { self.nodes = nodes }

    /// Every node answered, with exact successor, predecessor and successor list.
    public var isExact: Bool { unreachable == 0 && wrongSuccessors == 0 && wrongPredecessors == 0 && inexactLists == 0 }

    /// A readable description.
    public var description: String {
        "\(nodes) nodes: \(unreachable) unreachable, \(wrongSuccessors) wrong successors, "
            + "\(wrongPredecessors) wrong predecessors, \(inexactLists) inexact successor lists"
    }
}

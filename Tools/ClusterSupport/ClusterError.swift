import ChordClient
import ChordCore

/// Why a cluster operation failed.
public enum ClusterError: Error, Sendable, CustomStringConvertible {
    /// A node could not be started.
    case start(NodeProcess.StartError)
    /// A node started but had no successor within the time allowed.
    case notJoined(NodeAddress, via: NodeAddress, within: Duration)
    /// A node did not answer an info request.
    case noAnswer(NodeAddress, ChordClientError)
    /// Another peer answered for a node.
    case answeredAs(NodeAddress, Peer)
    /// The ring was not exact within the time allowed; the last check's findings.
    case notExact(RingExactness, within: Duration, seed: UInt64)

    /// A readable description.
    public var description: String {
        switch self {
        case .start(let error): "\(error)"
        case .notJoined(let node, let via, let limit): "node \(node) did not join through \(via) within \(limit)"
        case .noAnswer(let node, let error): "\(node) did not answer info: \(error)"
        case .answeredAs(let node, let peer): "\(node) answered info as \(peer)"
        case .notExact(let exactness, let limit, let seed):
            "ring not exact within \(limit) (seed \(seed)): \(exactness)"
                + exactness.problems.map { "\n" + $0 }.joined()
        }
    }
}

/// What can happen to a node: the core's only inputs.
public enum Input: Sendable {
    /// Start serving: create a new ring (`bootstrap` nil) or join through any live member.
    case start(bootstrap: NodeAddress?)
    /// The addresses to join through, found again (a runner resolves host names before each
    /// attempt): from the next join attempt on they replace the bootstrap and
    /// `NodeConfig.fallbackBootstraps`. Ignored once the node is a member, or when empty.
    case joinTargets([NodeAddress])
    /// A datagram from `source` was decoded into `envelope`.
    case received(Envelope, from: NodeAddress)
    /// The timer the node last armed has fired.
    case timer
    /// A local caller's client request (`.get`, `.put`, `.remove`, `.traceLookup`,
    /// `.getInfo`), handled as if it came over the network; answered by
    /// `.requestCompleted(token, answer)`.
    case request(Message, token: UInt64)
    /// Leave the ring gracefully: hand the keys to the successor, tell the neighbours, then
    /// report `.leaveCompleted` (after which the runner may stop the node).
    case leave
    /// A local caller wants the owner of `target`; answered by `.lookupCompleted(token, ...)`.
    /// With `confirmOwner`, the named owner is asked too, so that a dead owner is replaced by
    /// its live successor before the answer (one more round trip).
    case lookup(target: Identifier, token: UInt64, confirmOwner: Bool)
    /// Every `.persist` batch up to and including `sequence` is durable under the node's sync
    /// policy (only with `NodeConfig.persistent`). Answers that waited for it go out now.
    case durable(through: UInt64)
    /// The disk holding the store is nearly full (or no longer): while it is, new client
    /// writes are refused with `outOfSpace` (removes and replica traffic still go on).
    case storageFull(Bool)
}

/// What a node asks its runner to do: the core's only outputs.
public enum Effect: Sendable {
    /// Send `envelope` in one datagram to `address`.
    case send(Envelope, to: NodeAddress)
    /// Arm the node's single timer for this instant, replacing any earlier arming; deliver
    /// `.timer` when it passes.
    case armTimer(at: Instant)
    /// A local `.lookup` request finished.
    case lookupCompleted(token: UInt64, Result<LookupResult, LookupFailure>)
    /// Something worth logging happened.
    case event(NodeEvent)
    /// A local `.request` finished with this answer (`.result`, `.trace`, `.info`, `.error`).
    case requestCompleted(token: UInt64, Message)
    /// A `.leave` has finished: neighbours told, and every key handed to the successor
    /// (`handedOff`), or not (no successor, a page lost, or the leave deadline passed). The
    /// runner may stop the node now.
    case leaveCompleted(handedOff: Bool)
    /// Make these changes of the store durable, in order, after every earlier batch (only
    /// with `NodeConfig.persistent`), then report `.durable(through: batch.sequence)`. Until
    /// then the node acknowledges nothing that depends on them: the send effects that would
    /// are held back, not emitted. A batch may be reported together with later ones.
    case persist(PersistBatch)
}

/// Notable changes of a node's state, for logs and traces.
public enum NodeEvent: Sendable, Equatable {
    /// The node found its place in the ring.
    case joined(successor: Peer)
    /// A join attempt through `bootstrap` (the bootstrap, a fallback or a member that
    /// contacted the node) failed; the node will retry.
    case joinAttemptFailed(bootstrap: NodeAddress)
    /// Joining makes no progress: reported `NodeConfig.joinStallReport` after the join began,
    /// then at doubling intervals (at most `NodeConfig.joinStallReportLimit` apart) while the
    /// node keeps trying.
    case joinStalled(JoinStall)
    /// The first successor changed (nil: the node is alone).
    case successorChanged(Peer?)
    /// The predecessor changed (nil: unknown).
    case predecessorChanged(Peer?)
    /// A peer stopped answering and was removed from the routing state.
    case peerDeclaredDead(Peer)
    /// A peer once declared dead answered again; the rings may have been merged through it.
    case peerReturned(Peer)
}

/// Why a join makes no progress, as far as the joining node can tell.
public struct JoinStall: Sendable, Equatable {
    /// What the node heard.
    public enum Reason: Sendable, Equatable {
        /// Nothing it sent since the last report was answered: nobody is at the addresses
        /// tried, they are not ring members, or datagrams are dropped on the way.
        case noAnswer
        /// `target` answers a ping that does not name this node, but none of the requests
        /// that name it as their sender: it drops them because they arrive from another
        /// address than the one this node advertises (which is thus not where its datagrams
        /// come from, nor where peers' answers would go).
        case advertisedAddressUnseen(target: NodeAddress)
        /// Answers came, but the join did not complete (the successor it named was silent).
        case incomplete
    }

    /// What the node heard since the last report.
    public var reason: Reason
    /// Nanoseconds since the join began.
    public var waited: Int64
    /// The addresses join attempts went to, first tried first (at most `JoinStall.triedLimit`).
    public var tried: [NodeAddress]
    /// The address this node advertises.
    public var advertised: NodeAddress

    /// Most addresses listed in `tried`.
    public static let triedLimit = 8

    /// A report.
    public init(reason: Reason, waited: Int64, tried: [NodeAddress], advertised: NodeAddress) {
        self.reason = reason
        self.waited = waited
        self.tried = tried
        self.advertised = advertised
    }
}

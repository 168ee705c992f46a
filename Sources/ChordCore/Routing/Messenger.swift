/// The node's request/response layer, both ways.
///
/// Outgoing: each request gets a fresh id, a timeout from the peer's round-trip estimate, and
/// retransmissions (same id, same bytes) with back-off; an answer is matched by id, source and
/// kind, and silence after the last retry is reported with a count of the peer's consecutive
/// silences (failure suspicion). Incoming: a client or owner request seen before (same source,
/// same id) is answered again from the reply cache, never applied twice.
///
/// Why each request was sent (`RPCPurpose`) is carried along untouched: `ChordNode` routes the
/// answer, or the silence, to the concern that asked.
final class Messenger {
    private let context: NodeContext
    private var nextRequestID: UInt64
    private var pending: [UInt64: PendingRPC] = [:]
    private var roundTrips: RoundTripEstimator
    private var replyCache = ReplyCache()

    /// A request awaiting its answer.
    private struct PendingRPC {
        var to: NodeAddress
        var peer: Peer?
        var envelope: Envelope
        var firstSent: Instant
        var deadline: Instant
        var timeout: Int64
        var retriesLeft: Int
        var transmissions: Int
        var purpose: RPCPurpose
        /// Give up after the first timeout but keep listening until a second one.
        var listensLate: Bool
        /// The first timeout passed: the asker has moved on, but an answer is still used.
        var late = false
    }

    /// An answer matched to its request.
    struct Answer {
        /// Why the request was sent.
        var purpose: RPCPurpose
        /// Who answered: the envelope's sender, else the peer the request was sent to.
        var responder: Peer?
        /// From the first transmission to the answer.
        var roundTrip: Int64
        /// Whether the asker had already given up waiting (`listensLate` requests).
        var late: Bool
    }

    /// What a passed request deadline means.
    enum Expiry {
        /// A request sent with `listensLate` timed out once: the asker should move on, and an
        /// answer still arriving before the second deadline is delivered (as `late`).
        case overdue(RPCPurpose, address: NodeAddress, peer: Peer?)
        /// No answer through every retry. `silentCount`: the peer's consecutive silences.
        case failed(RPCPurpose, address: NodeAddress, peer: Peer?, silentCount: Int)
    }

    init(context: NodeContext) {
        self.context = context
        self.roundTrips = RoundTripEstimator(config: context.config)
        self.nextRequestID = context.random.next() | 1
    }

    /// Requests awaiting an answer.
    var outstanding: Int { pending.count }

    // MARK: Our requests

    /// Sends a request and remembers it until answered or out of retries.
    @discardableResult
    func request(_ message: Message, to address: NodeAddress, peer: Peer?, retries: Int, purpose: RPCPurpose,
                 listensLate: Bool = false) -> UInt64 {
        let requestID = takeRequestID()
        let envelope = Envelope(requestID: requestID, sender: context.me, message: message)
        let now = context.now
        let timeout = roundTrips.timeout(for: address)
        let rpc = PendingRPC(to: address, peer: peer, envelope: envelope, firstSent: now, deadline: now + timeout,
                             timeout: timeout, retriesLeft: retries, transmissions: 1, purpose: purpose,
                             listensLate: listensLate)
        pending[requestID] = rpc
        context.schedule(.rpc(requestID: requestID), at: rpc.deadline)
        context.send(envelope, to: address)
        return requestID
    }

    /// Sends a message that expects no answer.
    func oneWay(_ message: Message, to address: NodeAddress) {
        context.send(Envelope(requestID: takeRequestID(), sender: context.me, message: message), to: address)
    }

    private func takeRequestID() -> UInt64 {
        let requestID = nextRequestID
        nextRequestID &+= 2
        return requestID
    }

    /// Matches a response to our request: it must come from the address asked and be the kind
    /// of answer the request expects. Nil (and counted as dropped) otherwise.
    func match(_ envelope: Envelope, from source: NodeAddress) -> Answer? {
        guard let rpc = pending[envelope.requestID], rpc.to == source,
              envelope.message.answers(rpc.envelope.message) else {
            context.counters.responsesDropped += 1
            return nil
        }
        pending.removeValue(forKey: envelope.requestID)
        context.counters.responsesMatched += 1
        let roundTrip = context.now - rpc.firstSent
        if rpc.transmissions == 1 {
            roundTrips.record(sample: roundTrip, for: source)
        } else {
            roundTrips.heardFrom(source)
        }
        return Answer(purpose: rpc.purpose, responder: envelope.sender ?? rpc.peer, roundTrip: roundTrip, late: rpc.late)
    }

    /// A request's deadline passed: retransmit (nil), or report that the asker should move on
    /// or that the request failed.
    func deadlinePassed(_ requestID: UInt64, at deadline: Instant) -> Expiry? {
        guard var rpc = pending[requestID], rpc.deadline == deadline else { return nil }
        let now = context.now
        if rpc.listensLate && !rpc.late {
            rpc.late = true
            rpc.deadline = now + 2 * rpc.timeout
            pending[requestID] = rpc
            context.schedule(.rpc(requestID: requestID), at: rpc.deadline)
            return .overdue(rpc.purpose, address: rpc.to, peer: rpc.peer)
        }
        if rpc.retriesLeft > 0 {
            rpc.retriesLeft -= 1
            rpc.transmissions += 1
            rpc.timeout = min(rpc.timeout * 2, context.config.maximumTimeout * 4)
            rpc.deadline = now + rpc.timeout
            pending[requestID] = rpc
            context.schedule(.rpc(requestID: requestID), at: rpc.deadline)
            context.counters.retransmissions += 1
            context.send(rpc.envelope, to: rpc.to)
            return nil
        }
        pending.removeValue(forKey: requestID)
        context.counters.rpcFailures += 1
        let silentCount = roundTrips.recordTimeout(for: rpc.to)
        return .failed(rpc.purpose, address: rpc.to, peer: rpc.peer, silentCount: silentCount)
    }

    /// Whether a deadline entry for this request is still wanted (else it was answered or
    /// rescheduled, and the entry is a leftover of lazy cancelling).
    func isWaiting(_ requestID: UInt64, until deadline: Instant) -> Bool {
        pending[requestID]?.deadline == deadline
    }

    // MARK: Peers

    /// `address` sent us something from its own address: it is not silent.
    @inline(__always)
    func heardFrom(_ address: NodeAddress) {
        roundTrips.heardFrom(address)
    }

    /// Forgets a peer's silences (it was declared dead and removed).
    func forgetSuspicion(of address: NodeAddress) {
        roundTrips.forgetSuspicion(of: address)
    }

    // MARK: Requests to us

    /// Answers a request from the peer or client that sent it.
    func reply(to envelope: Envelope, from source: NodeAddress, with message: Message) {
        context.send(Envelope(requestID: envelope.requestID, sender: context.me, message: message), to: source)
    }

    /// Checks the reply cache before a client or owner request is worked on: false when it was
    /// seen before (its answer, if any, is sent again and nothing is applied twice).
    func beginRemoteRequest(_ key: ReplyCache.Key) -> Bool {
        switch replyCache.state(of: key) {
        case .answered(let answer):
            context.counters.repliesFromCache += 1
            context.send(Envelope(requestID: key.requestID, sender: context.me, message: answer), to: key.source)
            return false
        case .inProgress:
            return false
        case .unseen:
            replyCache.begin(key, now: context.now)
            return true
        }
    }

    /// Answers a client or owner request and remembers the answer for retransmissions.
    func answerRemote(_ key: ReplyCache.Key, with answer: Message) {
        replyCache.finish(key, reply: answer, now: context.now)
        context.send(Envelope(requestID: key.requestID, sender: context.me, message: answer), to: key.source)
    }
}

/// Why the node sent a request: `ChordNode` hands the answer, or the silence, to the concern
/// that asked.
enum RPCPurpose {
    /// Stabilize asked the first successor for its neighbours.
    case stabilizeSuccessor(Peer)
    /// Stabilize (or news of a closer node) asked a candidate between us and the successor.
    /// `fallback`: the list to adopt if it stays silent (nil: keep the current one).
    case stabilizeCandidate(Peer, fallback: [Peer]?, walked: Int)
    /// Check-predecessor pinged the predecessor.
    case checkPredecessor(Peer)
    /// A joining node asked a candidate successor for its neighbours.
    case joinWalk(Peer, fallback: [Peer], steps: Int)
    /// A routing step of a lookup.
    case lookupHop(lookupID: UInt64)
    /// A lookup asked its named owner to confirm.
    case ownerCheck(lookupID: UInt64)
    /// A coordinator handed a client operation to the key's owner.
    case ownerRequest(operationID: UInt64)
    /// An owner sent a write to a replica.
    case replicaStore(operationID: UInt64)
    /// An owner asked a replica what it holds for a key.
    case replicaFetch(operationID: UInt64)
    /// An owner sent a newer version to a stale replica (nobody waits for the answer).
    case readRepair
    /// A page of a transfer.
    case transferPage(transferID: UInt64)
    /// An anti-entropy digest to a replica.
    case syncDigest(replica: Peer, lower: Identifier, upper: Identifier)
}

extension Message {
    /// Whether this message is the kind of answer `request` expects.
    func answers(_ request: Message) -> Bool {
        switch (self, request) {
        case (.pong, .ping), (.neighbors, .getNeighbors), (.nextHop, .findNext), (.result, .ownerRequest),
             (.redirect, .ownerRequest), (.stored, .store), (.fetched, .fetch), (.syncDifferences, .syncDigest):
            return true
        default:
            return false
        }
    }
}

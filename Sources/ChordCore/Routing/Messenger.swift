/// The node's request/response layer, both ways.
///
/// Outgoing: each request gets a fresh random id (so an answer proves the answerer received
/// it), the cookie the destination gave this node if any, a timeout from the peer's
/// round-trip estimate, and retransmissions (same id, same bytes) with back-off; an answer is
/// matched by id, source and kind, and silence after the last retry is reported with a count
/// of the peer's consecutive silences (failure suspicion). An answer asking to retry with a
/// cookie is handled here: the cookie is learned and the request sent again.
///
/// Incoming: the messenger says whether a request carries this node's cookie for its source
/// (`Inbound.validated`), keeps the per-source rate limit, and answers: an answer to an
/// address that has not proved it receives this node's datagrams is at most 3 times the
/// request, or else becomes "retry with this cookie"; a client or owner request seen before
/// (same source, same id) is answered again from the reply cache, never applied twice.
///
/// Why each request was sent (`RPCPurpose`) is carried along untouched: `ChordNode` routes the
/// answer, or the silence, to the concern that asked.
final class Messenger {
    private let context: NodeContext
    private var pending: [UInt64: PendingRPC] = [:]
    private var roundTrips: RoundTripEstimator
    private var replyCache = ReplyCache()
    private var cookies: CookieJar
    private var rateLimiter: RateLimiter
    /// The largest answer a read-only query can draw (for padding queries).
    private let largestQueryAnswer: Int

    /// An answer may be at most this many times its request until the requester is validated.
    static let amplificationLimit = 3
    /// Retransmissions a request may get because the destination asked for a (new) cookie.
    static let cookieRetries = 2

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
        var cookieRetriesLeft = Messenger.cookieRetries
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

    /// A request to this node, as the messenger saw it: where to answer, and how much may be
    /// sent back.
    struct Inbound {
        /// The source address and request id (also the reply cache's key).
        var key: ReplyCache.Key
        /// The request's size on the wire.
        var requestBytes: Int
        /// Whether it carried the cookie this node gives its source: the source has proved it
        /// receives this node's datagrams.
        var validated: Bool
        /// Where to answer.
        var source: NodeAddress { key.source }
    }

    init(context: NodeContext) {
        self.context = context
        let config = context.config
        self.roundTrips = RoundTripEstimator(config: config)
        self.cookies = CookieJar(secret: (context.random.next(), context.random.next()))
        self.rateLimiter = RateLimiter(perSecond: config.requestsPerSourcePerSecond, burst: config.requestBurstPerSource)
        self.largestQueryAnswer = WireSize.largestQueryAnswer(successorListLength: config.successorListLength)
    }

    /// Requests awaiting an answer.
    var outstanding: Int { pending.count }

    // MARK: Our requests

    /// Sends a request and remembers it until answered or out of retries. `anonymous`: without
    /// this node as its sender, as a client's (only a read-only query: the receiver answers the
    /// datagram's source, whatever address this node advertises).
    @discardableResult
    func request(_ message: Message, to address: NodeAddress, peer: Peer?, retries: Int, purpose: RPCPurpose,
                 listensLate: Bool = false, minimumTimeout: Int64 = 0, anonymous: Bool = false) -> UInt64 {
        precondition(!anonymous || message.isReadOnlyQuery, "only a read-only query is sent without a sender")
        let requestID = takeRequestID()
        var envelope = Envelope(requestID: requestID, cookie: cookies.learnedCookie(of: address),
                                sender: anonymous ? nil : context.me, message: message)
        if envelope.cookie == nil && message.isReadOnlyQuery { pad(&envelope) }
        let now = context.now
        let timeout = max(roundTrips.timeout(for: address), minimumTimeout)
        let rpc = PendingRPC(to: address, peer: peer, envelope: envelope, firstSent: now, deadline: now + timeout,
                             timeout: timeout, retriesLeft: retries, transmissions: 1, purpose: purpose,
                             listensLate: listensLate)
        pending[requestID] = rpc
        context.schedule(.rpc(requestID: requestID), at: rpc.deadline)
        context.send(envelope, to: address)
        return requestID
    }

    /// Sends a message that expects no answer. A member message needs the destination's
    /// cookie; without one, the messenger first asks for it (a ping) and sends the message
    /// when it comes (`deliver(_:to:)`).
    func oneWay(_ message: Message, to address: NodeAddress) {
        guard let cookie = cookies.learnedCookie(of: address) else {
            request(.ping, to: address, peer: nil, retries: context.config.maintenanceRetries,
                    purpose: .cookieFor(message))
            return
        }
        context.send(Envelope(requestID: takeRequestID(), cookie: cookie, sender: context.me, message: message), to: address)
    }

    /// Sends a one-way message whose destination's cookie was just learned (`.cookieFor`).
    func deliver(_ message: Message, to address: NodeAddress) {
        guard let cookie = cookies.learnedCookie(of: address) else {
            context.counters.undeliverable += 1
            return
        }
        context.send(Envelope(requestID: takeRequestID(), cookie: cookie, sender: context.me, message: message), to: address)
    }

    /// Pads a query to a node that has not given us its cookie, so that the largest answer it
    /// could give fits within `amplificationLimit` times the request and is not withheld.
    private func pad(_ envelope: inout Envelope) {
        let wanted = (largestQueryAnswer + Self.amplificationLimit - 1) / Self.amplificationLimit
        let size = WireSize.of(envelope)
        if size + 2 < wanted { envelope.padding = wanted - size - 2 }
    }

    /// A fresh, unpredictable request id: an answer carrying it came from whoever received
    /// the request.
    private func takeRequestID() -> UInt64 {
        while true {
            let requestID = context.random.next()
            if pending[requestID] == nil { return requestID }
        }
    }

    /// Matches an answer to our request: it must come from the address asked and be the kind
    /// of answer the request expects, or an `error`. Nil (and counted as dropped) otherwise;
    /// nil too when it asked to retry with a cookie, which is done at once.
    func match(_ envelope: Envelope, from source: NodeAddress) -> Answer? {
        let requestID = envelope.requestID
        guard var rpc = pending[requestID], rpc.to == source,
              envelope.message.answers(rpc.envelope.message) || envelope.message.isError else {
            context.counters.responsesDropped += 1
            return nil
        }
        if let cookie = envelope.cookie { cookies.learn(cookie, from: source) }
        if case .error(.retryWithCookie) = envelope.message, let cookie = envelope.cookie, rpc.cookieRetriesLeft > 0 {
            context.counters.cookieRetries += 1
            if case .cookieFor = rpc.purpose {
                // The cookie was all this request was for.
            } else {
                rpc.cookieRetriesLeft -= 1
                rpc.transmissions += 1
                rpc.envelope.cookie = cookie
                rpc.deadline = context.now + rpc.timeout
                pending[requestID] = rpc
                context.schedule(.rpc(requestID: requestID), at: rpc.deadline)
                context.send(rpc.envelope, to: rpc.to)
                return nil
            }
        }
        pending.removeValue(forKey: requestID)
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

    /// `address` answered us, or sent us a request with our cookie: it is not silent.
    @inline(__always)
    func heardFrom(_ address: NodeAddress) {
        roundTrips.heardFrom(address)
    }

    /// Forgets a peer's silences (it was declared dead and removed).
    func forgetSuspicion(of address: NodeAddress) {
        roundTrips.forgetSuspicion(of: address)
    }

    // MARK: Requests to us

    /// The cookie this node gives `address` (what a request from there must carry).
    func cookie(for address: NodeAddress) -> UInt64 {
        cookies.cookie(for: address)
    }

    /// Test fixture: remembers `cookie` as the one `address` gave this node, as if it had come
    /// in an answer.
    func install(cookie: UInt64, from address: NodeAddress) {
        cookies.learn(cookie, from: address)
    }

    /// Looks at a request that arrived: its size and whether it carries our cookie.
    func inbound(_ envelope: Envelope, from source: NodeAddress) -> Inbound {
        Inbound(key: ReplyCache.Key(source: source, requestID: envelope.requestID), requestBytes: WireSize.of(envelope),
                validated: cookies.isValid(envelope.cookie, from: source))
    }

    /// The per-source rate limit's verdict on one more request from `source`.
    func admit(_ source: NodeAddress) -> RateLimiter.Verdict {
        rateLimiter.admit(source, now: context.now)
    }

    /// Answers a request. A validated requester gets the answer with this node as its sender.
    /// An unvalidated one gets this node's cookie instead of the sender (to keep the answer
    /// small), and at most `amplificationLimit` times its request's bytes: a larger answer is
    /// withheld and replaced by "retry with this cookie" (22 bytes; the smallest request is 13).
    func reply(to request: Inbound, with answer: Message) {
        var envelope = Envelope(requestID: request.key.requestID, sender: context.me, message: answer)
        if !request.validated {
            envelope.sender = nil
            envelope.cookie = cookies.cookie(for: request.source)
            if WireSize.of(envelope) > Self.amplificationLimit * request.requestBytes {
                context.counters.answersWithheld += 1
                envelope.message = .error(.retryWithCookie)
            }
        }
        context.send(envelope, to: request.source)
    }

    /// A member message came without this node's cookie: it is not acted on, and its source is
    /// told the cookie (which only the real owner of that address receives).
    func demandCookie(_ request: Inbound) {
        context.counters.cookiesDemanded += 1
        reply(to: request, with: .error(.retryWithCookie))
    }

    /// Checks the reply cache before a client or owner request is worked on: false when it was
    /// seen before (its answer, if any, is sent again and nothing is applied twice).
    func beginRemoteRequest(_ request: Inbound) -> Bool {
        switch replyCache.state(of: request.key) {
        case .answered(let answer):
            context.counters.repliesFromCache += 1
            reply(to: request, with: answer)
            return false
        case .inProgress:
            return false
        case .unseen:
            replyCache.begin(request.key, now: context.now)
            return true
        }
    }

    /// Answers a client or owner request and remembers the answer for retransmissions.
    func answerRemote(_ request: Inbound, with answer: Message) {
        replyCache.finish(request.key, reply: answer, now: context.now)
        reply(to: request, with: answer)
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
    /// A ping for the destination's cookie, to send it this one-way message.
    case cookieFor(Message)
    /// A ping to a node that says it is our predecessor, before it is adopted.
    case verifyPredecessor(Peer)
    /// A ping to the owner a finger lookup found, before it becomes fingers from `index` on.
    case verifyFinger(index: Int, owner: Peer)
    /// Asking link `index` of the predecessor chain who precedes it.
    case predecessorChain(index: Int, link: Peer)
    /// A joining node pinged its join target without naming itself: does the target answer
    /// this node's source address at all?
    case joinProbe
}

extension Message {
    /// Whether this is a member request that only reads routing state (ping, getNeighbors,
    /// findNext): answered without the cookie, within the 3x limit.
    var isReadOnlyQuery: Bool {
        switch self {
        case .ping, .getNeighbors, .findNext: return true
        default: return false
        }
    }

    /// Whether this is an `error` answer.
    var isError: Bool {
        if case .error = self { return true }
        return false
    }

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

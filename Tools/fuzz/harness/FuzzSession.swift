import Glibc
@testable import ChordCore

/// One execution: a fresh node from `FuzzRing`, the input's chunks delivered in order (each
/// decoded by `WireFormat.decode`; what does not decode is dropped, as the UDP shell does),
/// then its timer fired a few times. Every step is checked by `FuzzChecks`.
///
/// The one place that turns decoded bytes into the node's inputs (`deliver`, `local`); when
/// `Input` or `Envelope` gain fields, this is what to adapt.
struct FuzzSession {
    let node: ChordNode
    private(set) var now = FuzzRing.start
    /// The instant the node's timer is armed for, if it is.
    private(set) var armed: Instant?
    /// The node's latest requests (those expecting an answer), oldest first: what a reply
    /// chunk may answer.
    private(set) var recentRequests: [(envelope: Envelope, to: NodeAddress)] = []
    private var output: [Effect] = []
    private(set) var checks = FuzzChecks()

    static let recentRequestLimit = 4
    /// Timer firings after the last chunk.
    static let finalTimerFirings = 4
    /// The clock moves this much before each chunk (so that round trips are not zero).
    static let chunkSpacing = Nanos.milliseconds(1)

    /// A member starts its periodic work (stabilize runs at once); a joining node starts
    /// joining.
    init(joining: Bool = false) {
        node = FuzzRing.makeNode(joining: joining)
        handle(joining ? .start(bootstrap: FuzzRing.bootstrap) : .timer)
    }

    /// Runs one whole input. Its chunks are decoded first: an input of which nothing decodes
    /// (and that fires no timer) does what the empty input does, so no node is built for it.
    static func run(_ input: UnsafeRawBufferPointer) {
        var steps: [(FuzzControl, Envelope?)] = []
        FuzzInput.forEachChunk(input) { chunk in
            let envelope = try? WireFormat.decode(chunk.bytes)
            if envelope != nil || chunk.control.firesTimer { steps.append((chunk.control, envelope)) }
        }
        guard !steps.isEmpty || input.isEmpty else { return }
        let joining = steps.first.map { isJoinRequest($0.0, $0.1) } ?? false
        var session = FuzzSession(joining: joining)
        for (control, envelope) in steps.dropFirst(joining ? 1 : 0) { session.run(control, envelope) }
        session.finish()
    }

    /// Whether an input's first chunk asks for a joining node: a local `announce`.
    static func isJoinRequest(_ control: FuzzControl, _ envelope: Envelope?) -> Bool {
        control.source == FuzzControl.localInput && !control.isReply && envelope?.message == .announce
    }

    /// One chunk: deliver its datagram if it decoded, perhaps fire the timer.
    mutating func run(_ control: FuzzControl, _ envelope: Envelope?) {
        now = now + Self.chunkSpacing
        if let envelope {
            if control.source == FuzzControl.localInput && !control.isReply {
                local(envelope)
            } else {
                deliver(envelope, control)
            }
        }
        if control.firesTimer { fireTimer() }
    }

    /// The timer fires a few more times (timeouts, retransmissions, periodic work).
    mutating func finish() {
        for _ in 0..<Self.finalTimerFirings { fireTimer() }
    }

    /// Delivers a datagram from the source the control byte names.
    mutating func deliver(_ envelope: Envelope, _ control: FuzzControl) {
        var envelope = envelope
        let source: NodeAddress
        if control.isReply, control.replyIndex < recentRequests.count {
            let request = recentRequests[recentRequests.count - 1 - control.replyIndex]
            envelope.requestID = request.envelope.requestID
            source = request.to
        } else {
            switch control.source {
            case FuzzControl.claimedSource, FuzzControl.localInput: source = envelope.sender?.address ?? FuzzRing.client
            case FuzzControl.strangerSource: source = FuzzRing.stranger
            case FuzzControl.selfSource: source = FuzzRing.me.address
            default: source = FuzzRing.others[control.source - 1].address
            }
        }
        if control.senderMatchesSource {
            // As a genuine peer at that address: its identifier (a fuzzed one is kept only if it
            // names one), and the cookie the node gave it.
            envelope.sender = Peer(id: envelope.sender?.id ?? knownPeer(at: source)?.id ?? Peer(address: source).id,
                                   address: source)
            if !envelope.message.isResponse { envelope.cookie = node.messenger.cookie(for: source) }
        }
        handle(.received(envelope, from: source))
    }

    /// A local input, chosen by the datagram's message: client requests become `.request`,
    /// `findNext` a `.lookup` (confirming the owner when the request id is odd), `leaving` a
    /// graceful `.leave`, and `ping` a pause: the clock jumps by the request id's low 12 bits in
    /// seconds (up to 68 minutes: a stalled process, or long silence) and the timer fires late,
    /// so that slow periodic work (retirement, tombstone collection, the successor check) and
    /// expiries happen too. Anything else is ignored.
    mutating func local(_ envelope: Envelope) {
        switch envelope.message {
        case .ping:
            now = now + Nanos.seconds(Int64(envelope.requestID & 0xFFF))
            fireTimer()
        case .get, .put, .remove, .traceLookup, .getInfo:
            handle(.request(envelope.message, token: envelope.requestID))
        case .findNext(let target):
            handle(.lookup(target: target, token: envelope.requestID, confirmOwner: envelope.requestID & 1 == 1))
        case .leaving:
            handle(.leave)
        default:
            break
        }
    }

    /// Fires the node's timer if it is armed, moving the clock to it.
    mutating func fireTimer() {
        guard let instant = armed else { return }
        armed = nil
        now = max(now, instant)
        handle(.timer)
    }

    /// Feeds one input to the node, checks the step, and keeps what the runner would.
    mutating func handle(_ input: Input) {
        output.removeAll(keepingCapacity: true)
        node.handle(input, now: now, into: &output)
        if Self.tracing { trace(input) }
        checks.check(node, effects: output)
        for effect in output {
            switch effect {
            case .armTimer(let instant):
                armed = instant
            case .send(let envelope, let address) where envelope.message.expectsResponse:
                if recentRequests.count == Self.recentRequestLimit { recentRequests.removeFirst() }
                recentRequests.append((envelope, address))
            default:
                break
            }
        }
    }

    /// `CHORD_FUZZ_TRACE=1` prints every input and effect (replaying a crash shows its story).
    static let tracing = getenv("CHORD_FUZZ_TRACE") != nil

    private func trace(_ input: Input) {
        func cut(_ text: String) -> String { text.count > 400 ? String(text.prefix(400)) + "..." : text }
        print("\(now) \(cut("\(input)"))")
        for effect in output { print("    \(cut("\(effect)"))") }
    }

    /// The ring member, successor or predecessor the node knows at `address`.
    private func knownPeer(at address: NodeAddress) -> Peer? {
        FuzzRing.members.first { $0.address == address } ?? node.successors.first { $0.address == address }
            ?? node.predecessor.flatMap { $0.address == address ? $0 : nil }
    }
}

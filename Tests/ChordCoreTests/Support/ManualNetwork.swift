@testable import ChordCore
import ChordSim

// A tiny deterministic network for driving `ChordNode` state machines by hand.
//
// `ManualNetwork` owns a few nodes keyed by address on the simulator's event queue
// (`ChordSim.EventQueue`: the virtual clock, the datagrams in flight and one timer per node).
// Every effect a node returns is recorded; sends become `Datagram`s in flight that the test
// delivers one at a time, all at once, in time order, or drops. Nothing happens unless the
// test asks for it, nothing sleeps, and every loop is bounded by a step limit.
//
// Addresses without a node are "outside" the network: datagrams to them wait in the queue
// until the test takes them (and perhaps answers by hand with `inject`/`reply`), or are
// answered by a scripted `responder`, or are dropped when delivered. Crashed nodes drop
// everything sent to them and their timers never fire.
//
// Events due at the same instant come in the order they were scheduled, never in Dictionary
// iteration order, so a run is a pure function of its inputs.

/// Test identities on an obvious ring: `peer(100)` has identifier 100 and address
/// 127.0.0.1:100, so traces name nodes by their identifiers.
func peer(_ id: UInt64) -> Peer {
    precondition((1...UInt64(UInt16.max)).contains(id), "test identifiers double as ports")
    let address = NodeAddress(ipv4: 0x7F00_0001, port: UInt16(id))
    return Peer(id: testIdentity(address), address: address)
}

/// The identity rule of test rings (nodes check every peer against it, as real ones check
/// SHA-1 of the address): 127.0.0.1:n has identifier n (`peer(n)`); any other IPv4 address
/// A:p has identifier A · 2^128 + p (`ringPeer`, which places a node by its address's bits).
func testIdentity(_ address: NodeAddress) -> Identifier {
    address.lowBits == 0x7F00_0001 ? Identifier(UInt64(address.port))
        : Identifier(high: address.lowBits, middle: 0, low: UInt64(address.port))
}

extension NodeConfig {
    /// Defaults, with a chosen successor-list length and periodic tasks optionally slowed
    /// down so that only the behaviour under test runs. Ring-maintenance tests run without
    /// replication (`replicas` 1), so no storage traffic (anti-entropy) mixes in; storage
    /// tests ask for replicas.
    static func testing(successorListLength: Int = 8, jitter: Double = 0.25, quiet: Bool = false,
                        replicas: Int = 1) -> NodeConfig {
        var config = NodeConfig()
        // Test identities follow `testIdentity`.
        config.identityRule = IdentityRule(testIdentity)
        config.successorListLength = successorListLength
        config.jitter = jitter
        config.replicas = replicas
        config.writeQuorum = min(config.writeQuorum, replicas)
        config.readQuorum = min(config.readQuorum, replicas)
        if quiet {
            config.fixFingersInterval = Nanos.seconds(3_600)
            config.checkPredecessorInterval = Nanos.seconds(3_600)
            config.successorCheckInterval = Nanos.seconds(3_600)
        }
        // Storage upkeep never runs in ring-maintenance tests (its timers would interleave).
        if replicas == 1 {
            config.antiEntropyInterval = Nanos.seconds(3_600)
            config.tombstoneLifetime = Nanos.seconds(360_000)
        }
        return config
    }
}

/// One datagram in flight (or delivered, in `ManualNetwork.sent`).
struct Datagram: CustomStringConvertible {
    var from: NodeAddress
    var to: NodeAddress
    var envelope: Envelope
    var sentAt: Instant
    var arrival: Instant
    /// Its place among the datagrams sent on the network (-1 for one injected by hand).
    var id = -1

    var message: Message { envelope.message }
    var description: String { "\(from) -> \(to) #\(envelope.requestID) \(message) @\(sentAt)" }
}

/// One recorded effect, with who produced it and when.
struct LoggedEffect: CustomStringConvertible {
    var node: NodeAddress
    var time: Instant
    var effect: Effect

    var description: String { "\(time.nanoseconds) \(node) \(effect)" }
}

final class ManualNetwork {
    /// The virtual clock; only moves forward.
    var now: Instant { events.now }
    /// Delay added to every datagram: a request answered at once has round trip 2 × this.
    var oneWayDelay: Int64
    private(set) var nodes: [NodeAddress: ChordNode] = [:]
    /// Each node's number on the event queue, and the addresses by number.
    private var numbers: [NodeAddress: Int] = [:]
    private var addresses: [NodeAddress] = []
    /// The clock, the datagrams in flight and each node's timer.
    private var events = EventQueue<Datagram>()
    /// Datagrams in flight, in send order, with their tickets on the event queue.
    private var inFlight: [(ticket: EventQueue<Datagram>.Ticket, datagram: Datagram)] = []
    /// Datagrams not delivered yet, in send order.
    var queue: [Datagram] { inFlight.map(\.datagram) }
    /// Every datagram ever sent, in order (including injected ones).
    private(set) var sent: [Datagram] = []
    /// Datagrams dropped on purpose or because nobody was there.
    private(set) var dropped: [Datagram] = []
    /// Every effect of every node, in order.
    private(set) var log: [LoggedEffect] = []
    /// Nodes that receive nothing and whose timers do not fire.
    private(set) var crashed: Set<NodeAddress> = []
    /// Scripted outside peers: answer a request with a message, or stay silent (nil).
    private var responders: [NodeAddress: (peer: Peer, answer: (Envelope) -> Message?)] = [:]

    init(oneWayDelay: Int64 = Nanos.milliseconds(5)) {
        self.oneWayDelay = oneWayDelay
    }

    // MARK: Nodes

    /// Adds a node at a chosen identity (not started).
    @discardableResult
    func add(_ me: Peer, config: NodeConfig = .testing(), seed: UInt64? = nil) -> ChordNode {
        let node = ChordNode(me: me, config: config, seed: seed ?? UInt64(me.address.port))
        nodes[me.address] = node
        if numbers[me.address] == nil {
            numbers[me.address] = addresses.count
            addresses.append(me.address)
        }
        return node
    }

    /// The node at `peer`'s address.
    subscript(_ peer: Peer) -> ChordNode {
        guard let node = nodes[peer.address] else { preconditionFailure("no node at \(peer.address)") }
        return node
    }

    /// Adds hand-built members (no `.start`, so no periodic tasks ever run: only RPC and
    /// lookup deadlines arm timers). Each knows its ring predecessor and next `listLength`
    /// peers, cut before wrapping to itself.
    @discardableResult
    func handBuiltRing(_ peers: [Peer], listLength: Int, config: NodeConfig = .testing()) -> [ChordNode] {
        let ring = peers.sorted { $0.id < $1.id }
        let nodes = ring.indices.map { index in
            let node = add(ring[index], config: config)
            node.ring.install(phase: .member,
                              predecessor: ring.count > 1 ? ring[(index + ring.count - 1) % ring.count] : nil,
                              successors: (1..<ring.count).prefix(listLength).map { ring[(index + $0) % ring.count] })
            return node
        }
        introduceAll()
        return nodes
    }

    /// The cookie peers outside the network (scripted, or answered by hand) give the nodes.
    static let outsideCookie: UInt64 = 0xC00C_1E00_0000_0001

    /// Makes every two nodes on the network acquainted, as nodes of a running ring are: each
    /// holds the other's cookie and counts it as verified (it has answered lately). Rings built
    /// by hand start so; rings built by the protocol earn it.
    func introduceAll() {
        let all = nodes.values.sorted { $0.me.address < $1.me.address }
        for a in all {
            for b in all where a !== b {
                a.messenger.install(cookie: b.messenger.cookie(for: a.me.address), from: b.me.address)
                a.ring.heardInAnswer(from: b.me.address)
            }
        }
    }

    /// A scripted peer outside the network, answering requests addressed to it.
    func script(_ peer: Peer, answer: @escaping (Envelope) -> Message?) {
        responders[peer.address] = (peer, answer)
    }

    /// From now on the node at `address` hears nothing and its timer never fires.
    func crash(_ peer: Peer) {
        crashed.insert(peer.address)
        if let number = numbers[peer.address] { events.disarmTimer(of: number) }
    }

    // MARK: Inputs

    /// Feeds `input` to the node at `address` at the current time; records and returns its effects.
    @discardableResult
    func handle(_ input: Input, at peer: Peer) -> [Effect] {
        let node = self[peer]
        let effects = node.handle(input, now: now)
        record(effects, from: peer.address)
        return effects
    }

    @discardableResult
    func start(_ peer: Peer, bootstrap: Peer? = nil) -> [Effect] {
        handle(.start(bootstrap: bootstrap?.address), at: peer)
    }

    @discardableResult
    func lookup(from peer: Peer, target: UInt64, token: UInt64 = 1, confirmOwner: Bool = false) -> [Effect] {
        handle(.lookup(target: Identifier(target), token: token, confirmOwner: confirmOwner), at: peer)
    }

    /// Delivers a hand-made datagram from `sender` to `receiver` now; returns the receiver's effects.
    @discardableResult
    /// A request carries the cookie the receiver gives the sender, as a member's would; an
    /// answer carries `outsideCookie`, as a real peer's first answer gives the requester its
    /// cookie (`withCookie: false` sends either without, as a forger would).
    func inject(_ message: Message, requestID: UInt64 = 7, from sender: Peer, to receiver: Peer,
                withCookie: Bool = true) -> [Effect] {
        let cookie = !withCookie ? nil
            : message.isResponse ? Self.outsideCookie : self[receiver].messenger.cookie(for: sender.address)
        let envelope = Envelope(requestID: requestID, cookie: cookie, sender: sender, message: message)
        sent.append(Datagram(from: sender.address, to: receiver.address, envelope: envelope, sentAt: now, arrival: now))
        return handle(.received(envelope, from: sender.address), at: receiver)
    }

    /// Delivers a hand-made datagram from a client (not a ring member: no sender) at `source`
    /// to `receiver` now; returns the receiver's effects. Answers to `source` wait in the queue.
    @discardableResult
    func injectFromClient(_ message: Message, requestID: UInt64, source: NodeAddress, to receiver: Peer) -> [Effect] {
        let envelope = Envelope(requestID: requestID, sender: nil, message: message)
        sent.append(Datagram(from: source, to: receiver.address, envelope: envelope, sentAt: now, arrival: now))
        return handle(.received(envelope, from: source), at: receiver)
    }

    /// Answers `request` by hand as `responder` (same request id); returns the requester's effects.
    @discardableResult
    func reply(to request: Datagram, from responder: Peer, with message: Message) -> [Effect] {
        precondition(responder.address == request.to, "replying from the wrong address")
        guard let requester = sendersPeer(request) else { preconditionFailure("request without a sender") }
        return inject(message, requestID: request.envelope.requestID, from: responder, to: requester)
    }

    private func sendersPeer(_ datagram: Datagram) -> Peer? {
        if let sender = datagram.envelope.sender, sender.address == datagram.from { return sender }
        return nodes[datagram.from]?.me
    }

    // MARK: Datagrams

    /// Removes and returns the first queued datagram matching `filter`, without delivering it.
    func take(where filter: (Datagram) -> Bool = { _ in true }) -> Datagram? {
        guard let index = inFlight.firstIndex(where: { filter($0.datagram) }) else { return nil }
        events.withdraw(inFlight[index].ticket)
        return inFlight.remove(at: index).datagram
    }

    /// Removes every queued datagram matching `filter`; returns how many.
    @discardableResult
    func drop(where filter: (Datagram) -> Bool) -> Int {
        var count = 0
        while let datagram = take(where: filter) {
            dropped.append(datagram)
            count += 1
        }
        return count
    }

    /// Delivers the first queued datagram matching `filter` (advancing the clock to its
    /// arrival if that is later); returns it, or nil when none matches.
    @discardableResult
    func deliverNext(where filter: (Datagram) -> Bool = { _ in true }) -> Datagram? {
        guard let datagram = take(where: filter) else { return nil }
        deliver(datagram)
        return datagram
    }

    /// Delivers queued datagrams (and whatever they cause) until none is left, ignoring
    /// timers. Datagrams matching `dropping` are dropped. Returns false if `maxSteps`
    /// deliveries did not make the network quiet.
    @discardableResult
    func runUntilQuiet(maxSteps: Int = 1_000, dropping: (Datagram) -> Bool = { _ in false }) -> Bool {
        for _ in 0..<maxSteps {
            guard let datagram = take() else { return true }
            if dropping(datagram) { dropped.append(datagram) } else { deliver(datagram) }
        }
        return inFlight.isEmpty
    }

    private func deliver(_ datagram: Datagram) {
        events.advance(to: datagram.arrival)
        if crashed.contains(datagram.to) {
            dropped.append(datagram)
        } else if let receiver = nodes[datagram.to] {
            let effects = receiver.handle(.received(datagram.envelope, from: datagram.from), now: now)
            record(effects, from: datagram.to)
        } else if let responder = responders[datagram.to] {
            if datagram.message.expectsResponse, let answer = responder.answer(datagram.envelope) {
                let envelope = Envelope(requestID: datagram.envelope.requestID, cookie: Self.outsideCookie,
                                        sender: responder.peer, message: answer)
                enqueue(Datagram(from: datagram.to, to: datagram.from, envelope: envelope, sentAt: now,
                                 arrival: now + oneWayDelay))
            }
        } else {
            dropped.append(datagram)
        }
    }

    // MARK: Time

    /// Moves the clock forward (never back) without firing anything.
    func advance(to instant: Instant) {
        events.advance(to: instant)
    }

    /// Fires `peer`'s armed timer, first moving the clock to it; returns the effects, or
    /// nil if no timer is armed.
    @discardableResult
    func fireTimer(of peer: Peer) -> [Effect]? {
        guard let number = numbers[peer.address], let deadline = events.timer(of: number) else { return nil }
        events.disarmTimer(of: number)
        events.advance(to: deadline)
        return handle(.timer, at: peer)
    }

    /// Runs the network in time order (datagram arrivals and timers, in the order they were
    /// scheduled on ties) until nothing is due at or before `limit`, then sets the clock to
    /// `limit`. Returns false if `maxSteps` events were not enough.
    @discardableResult
    func run(until limit: Instant, maxSteps: Int = 100_000, dropping: (Datagram) -> Bool = { _ in false }) -> Bool {
        for _ in 0..<maxSteps {
            guard let (_, event) = events.next(until: limit) else {
                events.advance(to: limit)
                return true
            }
            switch event {
            case .deliver(let datagram):
                if let index = inFlight.firstIndex(where: { $0.datagram.id == datagram.id }) { inFlight.remove(at: index) }
                if dropping(datagram) { dropped.append(datagram) } else { deliver(datagram) }
            case .timer(let number):
                let address = addresses[number]
                record(nodes[address]!.handle(.timer, now: now), from: address)
            case .diskSynced:
                break  // no disks here: tests report durability by hand
            }
        }
        return false
    }

    /// `run(until: now + duration)`.
    @discardableResult
    func run(for duration: Int64, maxSteps: Int = 100_000, dropping: (Datagram) -> Bool = { _ in false }) -> Bool {
        run(until: now + duration, maxSteps: maxSteps, dropping: dropping)
    }

    // MARK: Effects

    private func record(_ effects: [Effect], from address: NodeAddress) {
        for effect in effects {
            log.append(LoggedEffect(node: address, time: now, effect: effect))
            switch effect {
            case .send(let envelope, let destination):
                enqueue(Datagram(from: address, to: destination, envelope: envelope, sentAt: now, arrival: now + oneWayDelay))
            case .armTimer(let instant):
                if !crashed.contains(address), let number = numbers[address] { events.armTimer(of: number, at: instant) }
            case .lookupCompleted, .event, .leaveCompleted, .requestCompleted, .persist:
                break
            }
        }
    }

    private func enqueue(_ datagram: Datagram) {
        var datagram = datagram
        datagram.id = sent.count
        sent.append(datagram)
        inFlight.append((events.send(datagram, arrival: datagram.arrival), datagram))
    }

    /// Events of one node, in order.
    func events(of peer: Peer) -> [NodeEvent] {
        log.filter { $0.node == peer.address }.compactMap(\.effect.event)
    }

    /// Lookup completions of one node, in order.
    func completions(of peer: Peer) -> [(token: UInt64, outcome: Result<LookupResult, LookupFailure>)] {
        log.filter { $0.node == peer.address }.compactMap(\.effect.completion)
    }

    /// Datagrams ever sent from `from` to `to` (either may be omitted) matching `filter`.
    func sent(from: Peer? = nil, to: Peer? = nil, where filter: (Message) -> Bool = { _ in true }) -> [Datagram] {
        sent.filter { ($0.from == from?.address || from == nil) && ($0.to == to?.address || to == nil) && filter($0.message) }
    }
}

// MARK: Reading effects

extension Effect {
    var sent: (envelope: Envelope, to: NodeAddress)? {
        if case .send(let envelope, let to) = self { return (envelope, to) }
        return nil
    }

    var timer: Instant? {
        if case .armTimer(let at) = self { return at }
        return nil
    }

    var event: NodeEvent? {
        if case .event(let event) = self { return event }
        return nil
    }

    var completion: (token: UInt64, outcome: Result<LookupResult, LookupFailure>)? {
        if case .lookupCompleted(let token, let outcome) = self { return (token, outcome) }
        return nil
    }
}

extension Array where Element == Effect {
    /// The sends among these effects, in order.
    var sends: [(envelope: Envelope, to: NodeAddress)] { compactMap(\.sent) }
    /// The messages sent, with destinations.
    var messages: [(message: Message, to: NodeAddress)] { sends.map { ($0.envelope.message, $0.to) } }
    /// The events among these effects, in order.
    var events: [NodeEvent] { compactMap(\.event) }
    /// The timer armings among these effects, in order.
    var timers: [Instant] { compactMap(\.timer) }
    /// The lookup completions among these effects, in order.
    var completions: [(token: UInt64, outcome: Result<LookupResult, LookupFailure>)] { compactMap(\.completion) }
}

extension Message {
    var isFindNext: Bool { if case .findNext = self { true } else { false } }
    var isNeighbors: Bool { if case .neighbors = self { true } else { false } }
}

import ChordCore

/// Runs many Chord cores in one process over a simulated network, deterministically.
///
/// Every random draw (latency, loss, duplication, node seeds, scenario choices) comes from
/// generators derived from one seed, events are ordered by (time, insertion sequence), and no
/// dictionary is ever iterated, so the same seed replays the same run; `trace` hashes every
/// event processed to prove it. Ring invariants are checked as the run goes
/// (`Simulation+Invariants.swift`); the first violation stops the run with its step and time.
public final class Simulation {
    /// One simulated host.
    public struct Host {
        /// The address it advertises.
        public let address: NodeAddress
        /// SHA-1 of that address's text.
        public let id: Identifier
        /// The running core, or nil while crashed or not started.
        public internal(set) var core: ChordNode?
        /// Whether its core counts as a ring participant (it has joined).
        public internal(set) var isMember = false
        var checkedSuccessorListVersion: UInt64 = .max

        /// Whether the host is running.
        public var isAlive: Bool { core != nil }
    }

    /// A datagram on its way.
    struct Datagram {
        var node: Int32
        var source: NodeAddress
        var envelope: Envelope
    }

    /// How often the global ring invariants are checked.
    public enum CheckPolicy: Sendable {
        /// After every event that changed some node's first successor, or a crash or join.
        case everyStructuralChange
        /// At most once per this many simulated nanoseconds, if the structure changed.
        case periodic(Int64)
        /// Never (local successor-list checks still run).
        case off
    }

    /// The seed everything is drawn from.
    public let seed: UInt64
    /// The network's behaviour; may be changed between phases.
    public var network: NetworkModel
    /// The configuration given to every node started from now on.
    public var nodeConfig: NodeConfig
    /// Every host ever created, by index.
    public internal(set) var hosts: [Host] = []
    /// Simulated time.
    public var now: Instant { queue.now }
    /// Events processed.
    public internal(set) var steps: UInt64 = 0
    /// Hash of the event trace.
    public internal(set) var trace = TraceHash()
    /// Message counts.
    public internal(set) var traffic = SimulatedTraffic()
    /// Lookup outcomes, judged against the true owner when each lookup finished.
    public internal(set) var lookups = LookupStatistics()
    /// Invariant checking policy.
    public var checkPolicy: CheckPolicy = .everyStructuralChange
    /// Ring checks run so far.
    public internal(set) var ringChecks = 0
    /// Checks that found a member whose successors were all dead (beyond the failure
    /// assumption of r consecutive failures); not a protocol violation, reported apart.
    public internal(set) var disconnectedSightings = 0
    /// Generator for scenario decisions (which node joins through which, and so on).
    public var scenarioRandom: SeededRandom

    /// Datagrams in flight and every host's timer.
    var queue = EventQueue<Datagram>()
    /// Each host's core (also in `hosts`); the hot loop reads this array, because copying a
    /// `Host` out of `hosts` costs retains.
    var cores: [ChordNode?] = []
    var networkRandom: SeededRandom
    var nodeSeeds: SeededRandom
    var effects: [Effect] = []
    /// Partition group of each host; messages between different groups are dropped.
    var partitionGroups: [UInt8]?
    var structureChanged = false
    var allowSeveralRings = false
    var lastRingCheck = Instant(nanoseconds: -(1 << 62))
    /// Appendages currently skipping a ring member: host -> (its best successor, since when).
    var appendageViolations: [Int: (successor: Int, since: Instant)] = [:]
    /// How long an appendage may skip a ring member (a stale join answer) before it counts.
    public var appendageGrace: Int64 = Nanos.seconds(5)
    /// How often to re-check while an appendage violation is pending.
    var appendageRecheck: Int64 = Nanos.milliseconds(250)
    /// Most appendages seen skipping a ring member at once (all cleared within the grace).
    public internal(set) var transientAppendageViolations = 0
    /// Longest time one appendage was seen skipping a ring member, nanoseconds.
    public internal(set) var longestAppendageSkip: Int64 = 0
    /// Live members sorted by identifier: the ground truth for owners and exactness.
    var members = MemberIndex()
    var outstandingLookups: [UInt64: OutstandingLookup] = [:]
    /// Answers to requests issued with `issueRequest`, when no workload takes them.
    var completedRequests: [(UInt64, Message)] = []
    /// Whether hosts keep their stores on simulated disks (`SimulatedDisk`): nodes run with
    /// `NodeConfig.persistent`, a crash loses only the unsynced tail, and a host that restarts
    /// recovers its disk. Set before the first host starts.
    public var disksEnabled = false
    /// How long one sync takes on a simulated disk.
    public var syncLatency: Int64 = Nanos.milliseconds(2)
    /// Each host's disk, when `disksEnabled`.
    var disks: [SimulatedDisk] = []
    /// Repair bytes sent by cores that have crashed since.
    private var repairBytesOfCrashedCores = 0
    /// The key-value workload, told about every answer and every crash.
    public var workload: KeyValueWorkload?
    /// Addresses outside the simulated hosts that see what is sent to them (adversaries,
    /// victims of spoofing), at once: `tap(envelope, sending host)`.
    var taps: [NodeAddress: (Envelope, Int) -> Void] = [:]
    var nextLookupToken: UInt64 = 1
    /// Hosts whose inputs and effects are printed (debugging aid; empty in normal runs).
    public var watched: Set<Int> = []
    /// Print debugging detail: crashes and starts, lookups of more than 20 routing hops, lookups
    /// that end at a wrong owner, and (store scenario) wrong reads with who holds what. Set by
    /// `--watch`.
    public var debugOutput = false

    /// A simulation whose every draw follows from `seed`.
    public init(seed: UInt64, network: NetworkModel = NetworkModel(), nodeConfig: NodeConfig = NodeConfig()) {
        self.seed = seed
        self.network = network
        self.nodeConfig = nodeConfig
        var root = SeededRandom(seed: seed)
        networkRandom = root.fork()
        nodeSeeds = root.fork()
        scenarioRandom = root.fork()
        trace.mix(seed)
    }

    // MARK: Hosts

    /// Creates a host at the next free simulated address (10.x.y.z:4000); returns its index.
    @discardableResult
    public func addHost() -> Int {
        let index = hosts.count
        let address = Self.address(ofHost: index)
        hosts.append(Host(address: address, id: Identifier.forNode(advertising: address.description)))
        cores.append(nil)
        disks.append(SimulatedDisk())
        return index
    }

    /// Host i lives at 10.0.0.0 + i + 1, port 4000.
    static func address(ofHost index: Int) -> NodeAddress {
        NodeAddress(ipv4: 0x0A00_0000 | UInt32(index + 1), port: 4000)
    }

    /// The host at `address`, if any (addresses are assigned in order, so no lookup table).
    @inline(__always)
    func hostIndex(of address: NodeAddress) -> Int? {
        guard address.family == .ipv4, address.port == 4000 else { return nil }
        let index = Int(address.lowBits) - 0x0A00_0001
        return index >= 0 && index < hosts.count ? index : nil
    }

    /// Starts the host's core: a new ring when `bootstrap` is nil, else a join through it
    /// (with `fallbacks` to try if it stays silent).
    public func start(_ index: Int, bootstrap: Int?, fallbacks: [Int] = []) {
        precondition(hosts[index].core == nil, "host \(index) is already running")
        var config = nodeConfig
        config.fallbackBootstraps = fallbacks.map { hosts[$0].address }
        config.persistent = disksEnabled
        let core = ChordNode(address: hosts[index].address, config: config, seed: nodeSeeds.next())
        if disksEnabled { core.recover(disks[index].durable, clockHighWater: disks[index].clockHighWater) }
        hosts[index].core = core
        cores[index] = core
        hosts[index].isMember = false
        hosts[index].checkedSuccessorListVersion = .max
        trace.mix(0xA11 ^ UInt64(index) << 8)
        if debugOutput { print("START t=\(now.seconds) h\(index) \(hosts[index].id.shortHex()) via \(bootstrap.map { "h\($0)" } ?? "-")") }
        handle(index, .start(bootstrap: bootstrap.map { hosts[$0].address }))
    }

    /// Crashes a host: its state is gone, messages to it vanish.
    public func crash(_ index: Int) {
        guard hosts[index].core != nil else { return }
        if debugOutput { print("CRASH t=\(now.seconds) h\(index) \(hosts[index].id.shortHex())") }
        repairBytesOfCrashedCores += hosts[index].core?.counters.repairBytesSent ?? 0
        hosts[index].core = nil
        cores[index] = nil
        queue.disarmTimer(of: index)
        queue.disarmDiskSync(of: index)
        disks[index].crash()
        // Its lookups die with it (a restart on the same address is a new incarnation).
        let orphaned = outstandingLookups.filter { $0.value.host == index }.map(\.key).sorted()
        for token in orphaned { outstandingLookups.removeValue(forKey: token) }
        lookups.issuerCrashed += orphaned.count
        workload?.coordinatorCrashed(index)
        if hosts[index].isMember {
            hosts[index].isMember = false
            members.remove(hosts[index].id)
        }
        structureChanged = true
        trace.mix(0xDEAD ^ UInt64(index) << 16)
    }

    /// Splits hosts into groups that cannot reach each other (`groupOf(index)`).
    public func partition(_ groupOf: (Int) -> UInt8) {
        partitionGroups = hosts.indices.map(groupOf)
        trace.mix(0x5117)
    }

    /// Heals any partition. Until `ringsMerged()` is called, several (ordered) rings are
    /// allowed: the sides need some time to find each other.
    public func heal() {
        partitionGroups = nil
        allowSeveralRings = true
        structureChanged = true
        trace.mix(0x4EA1)
    }

    /// The rings that formed during a partition have merged: from now on exactly one ring.
    public func ringsMerged() {
        allowSeveralRings = false
        structureChanged = true
    }

    /// Whether a partition is in force.
    public var isPartitioned: Bool { partitionGroups != nil }

    /// Indices of running hosts that have joined, in identifier order.
    public var memberIndices: [Int] { members.entries.map(\.host) }

    /// Indices of running hosts.
    public var liveIndices: [Int] { hosts.indices.filter { hosts[$0].isAlive } }

    // MARK: Running

    /// Processes events until simulated time `end` (inclusive), checking invariants.
    public func run(until end: Instant) throws(InvariantViolation) {
        while let (time, event) = queue.next(until: end) {
            switch event {
            case .deliver(let datagram):
                let (index, source, envelope) = (Int(datagram.node), datagram.source, datagram.envelope)
                guard cores[index] != nil else {
                    traffic.toCrashedHosts += 1
                    continue
                }
                steps += 1
                trace.mix(UInt64(bitPattern: time.nanoseconds))
                trace.mix(UInt64(index) << 32 | UInt64(Self.kind(of: envelope.message)))
                trace.mix(envelope.requestID)
                traffic.delivered += 1
                handle(index, .received(envelope, from: source))
                try afterEvent(index)
            case .timer(let index):
                guard cores[index] != nil else { continue }
                steps += 1
                trace.mix(UInt64(bitPattern: time.nanoseconds))
                trace.mix(UInt64(index) << 32 | 0xFF)
                handle(index, .timer)
                try afterEvent(index)
            case .diskSynced(let index):
                guard cores[index] != nil else { continue }
                let (through, more) = disks[index].finishSync()
                if more { startSync(index) }
                guard let through else { continue }
                steps += 1
                trace.mix(UInt64(bitPattern: time.nanoseconds))
                trace.mix(UInt64(index) << 32 | 0xD5)
                handle(index, .durable(through: through))
                try afterEvent(index)
            }
        }
        queue.advance(to: end)
        try checkRingIfDue(force: false)
    }

    /// Runs for `duration` more simulated nanoseconds.
    public func run(for duration: Int64) throws(InvariantViolation) {
        try run(until: now + duration)
    }

    /// Hands host `index` a client request; returns the token its answer will carry.
    public func issueRequest(from index: Int, _ message: Message) -> UInt64? {
        guard hosts[index].core != nil else { return nil }
        let token = nextLookupToken
        nextLookupToken += 1
        handle(index, .request(message, token: token))
        return token
    }

    /// Answers collected for requests not taken by the workload.
    public func takeCompletedRequests() -> [(UInt64, Message)] {
        defer { completedRequests.removeAll() }
        return completedRequests
    }

    /// Asks host `index` to look `target` up; the outcome is judged when it completes.
    public func issueLookup(from index: Int, target: Identifier, confirmOwner: Bool) {
        guard hosts[index].core != nil else { return }
        let token = nextLookupToken
        nextLookupToken += 1
        outstandingLookups[token] = OutstandingLookup(host: index, target: target, issued: now)
        lookups.issued += 1
        handle(index, .lookup(target: target, token: token, confirmOwner: confirmOwner))
    }

    func handle(_ index: Int, _ input: Input) {
        guard let core = cores[index] else { return }
        effects.removeAll(keepingCapacity: true)
        core.handle(input, now: now, into: &effects)
        if watched.contains(index) {
            print("[\(now.seconds)] host \(index) \(core.me) <- \(input)")
            for effect in effects { print("      -> \(effect)") }
            print("      state: succ=\(core.successors.map(\.description)) pred=\(core.predecessor?.description ?? "-")")
        }
        if !hosts[index].isMember && core.phase == .member {
            hosts[index].isMember = true
            members.insert(hosts[index].id, host: index)
            structureChanged = true
        }
        for effect in effects {
            switch effect {
            case .send(let envelope, let destination):
                send(envelope, from: index, to: destination)
            case .armTimer(let instant):
                queue.armTimer(of: index, at: instant)
            case .lookupCompleted(let token, let outcome):
                judgeLookup(token: token, outcome: outcome)
            case .requestCompleted(let token, let answer):
                if let workload { workload.completed(token: token, answer: answer, now: now) } else { completedRequests.append((token, answer)) }
            case .leaveCompleted:
                break
            case .persist(let batch):
                if disks[index].write(batch) { startSync(index) }
            case .event(let event):
                switch event {
                case .successorChanged, .joined, .peerReturned: structureChanged = true
                default: break
                }
            }
        }
    }

    private func startSync(_ index: Int) {
        disks[index].startSync()
        queue.armDiskSync(of: index, at: now + syncLatency)
    }

    /// Bytes of entries sent by repair (hand-off, anti-entropy, leave) over the whole run.
    public var repairBytesSent: Int {
        cores.reduce(repairBytesOfCrashedCores) { $0 + ($1?.counters.repairBytesSent ?? 0) }
    }

    /// Batches made durable and batches lost in crashes, over every host's disk.
    public var diskBatches: (synced: Int, lost: Int) {
        disks.reduce((0, 0)) { ($0.0 + $1.batchesSynced, $0.1 + $1.batchesLost) }
    }

    private func send(_ envelope: Envelope, from index: Int, to destination: NodeAddress) {
        traffic.sent += 1
        guard let target = hostIndex(of: destination) else {
            if let tap = taps[destination] {
                tap(envelope, index)
            } else {
                traffic.undeliverable += 1
            }
            return
        }
        if let groups = partitionGroups, groups[index] != groups[target] {
            traffic.partitioned += 1
            return
        }
        if network.lossRate > 0 && networkRandom.nextUnit() < network.lossRate {
            traffic.lost += 1
            return
        }
        let datagram = Datagram(node: Int32(target), source: hosts[index].address, envelope: envelope)
        queue.send(datagram, arrival: now + network.latency(&networkRandom))
        if network.duplicateRate > 0 && networkRandom.nextUnit() < network.duplicateRate {
            traffic.duplicated += 1
            queue.send(datagram, arrival: now + network.latency(&networkRandom))
        }
    }

    private func afterEvent(_ index: Int) throws(InvariantViolation) {
        if let core = cores[index], core.successorListVersion != hosts[index].checkedSuccessorListVersion {
            hosts[index].checkedSuccessorListVersion = core.successorListVersion
            if let problem = Self.successorListProblem(core) { throw violation("host \(index) \(core.me): \(problem)") }
        }
        try checkRingIfDue(force: false)
    }

    func violation(_ message: String) -> InvariantViolation {
        InvariantViolation(seed: seed, step: steps, time: now, message: message)
    }

    static func kind(of message: Message) -> UInt8 {
        switch message {
        case .ping: return 1
        case .getNeighbors: return 2
        case .notify: return 3
        case .findNext: return 4
        case .pong: return 5
        case .neighbors: return 6
        case .nextHop: return 7
        case .announce: return 8
        case .leaving: return 9
        case .get: return 10
        case .put: return 11
        case .remove: return 12
        case .traceLookup: return 13
        case .getInfo: return 14
        case .ownerRequest: return 15
        case .store: return 16
        case .fetch: return 17
        case .syncDigest: return 18
        case .result: return 19
        case .redirect: return 20
        case .trace: return 21
        case .info: return 22
        case .stored: return 23
        case .fetched: return 24
        case .syncDifferences: return 25
        case .error: return 26
        case .unknownRequest: return 27
        }
    }
}

import ChordCore

/// The `attacks` scenario: adversary hosts on a settled ring holding acknowledged data try the
/// five attacks of docs/PROTOCOL.md's "Trust" section, and the scenario checks that none does
/// harm: no range changes hands, no forged value is served, no acknowledged write is lost, no
/// answer is more than 3 times what the (spoofed) victim "sent", no unverified peer is adopted.
extension Scenario {
    static func attacks(_ simulation: Simulation, _ settings: ScenarioSettings, _ report: inout ScenarioReport)
        throws(InvariantViolation) {
        try buildSettledRing(simulation, settings, &report, before: "the attacks")
        try simulation.run(for: Nanos.seconds(10))
        var attack = Attacks(simulation: simulation)

        // Honest data everyone can check: keys written and acknowledged before the attacks.
        let keyCount = min(max(settings.keys, 20), 200)
        for index in 0..<keyCount {
            _ = try attack.put("key-\(index)", "honest-\(index)")
        }
        let honest = attack.acknowledged

        try attack.rangeTakeoverWithClaimedIdentifier()
        try attack.writesFromNonMembers()
        try attack.spoofedMemberMessages()
        try attack.amplification()
        try attack.unverifiedPredecessors()

        // Every acknowledged honest write still reads back, through every kind of node.
        for (key, value) in honest.sorted(by: { $0.key < $1.key }) where attack.acknowledged[key] == value {
            let read = try attack.get(key)
            if read != value { attack.lostWrites += 1 }
        }
        try simulation.run(for: Nanos.seconds(5))
        report.add("nodes", .int(settings.nodes))
        report.add("range_changes", .int(attack.rangeChanges))
        report.add("forged_values_served", .int(attack.forgedValuesServed))
        report.add("acknowledged_writes_lost", .int(attack.lostWrites))
        report.add("max_amplification", .number(attack.maximumAmplification))
        report.add("unverified_adoptions", .int(attack.unverifiedAdoptions))
        report.add("forged_datagrams_dropped", .int(attack.droppedAtHosts()))
        report.require(attack.rangeChanges == 0, "\(attack.rangeChanges) samples saw a range change hands")
        report.require(attack.forgedValuesServed == 0, "\(attack.forgedValuesServed) reads returned a forged value")
        report.require(attack.lostWrites == 0, "\(attack.lostWrites) acknowledged writes lost")
        report.require(attack.maximumAmplification <= 3, "an answer was \(attack.maximumAmplification) times its request")
        report.require(attack.unverifiedAdoptions == 0, "\(attack.unverifiedAdoptions) unverified peers adopted")
    }
}

/// The adversaries and the bookkeeping of the `attacks` scenario.
struct Attacks {
    let simulation: Simulation
    var acknowledged: [String: String] = [:]
    var rangeChanges = 0
    var forgedValuesServed = 0
    var lostWrites = 0
    var maximumAmplification = 0.0
    var unverifiedAdoptions = 0

    /// Adversary addresses: 10.250.0.n, port 4000, never a host's.
    static func adversary(_ number: UInt32, port: UInt16 = 4000) -> NodeAddress {
        NodeAddress(ipv4: 0x0AFA_0000 | number, port: port)
    }

    init(simulation: Simulation) {
        self.simulation = simulation
    }

    // MARK: Honest clients

    /// A random member.
    func randomMember() -> Int {
        let members = simulation.memberIndices
        return members[simulation.scenarioRandom.nextInt(below: members.count)]
    }

    /// Sends a client request through a random member and waits for its answer (nil: none
    /// within 6 s).
    func ask(_ message: Message, via host: Int? = nil) throws(InvariantViolation) -> Message? {
        guard let token = simulation.issueRequest(from: host ?? randomMember(), message) else { return nil }
        for _ in 0..<120 {
            try simulation.run(for: Nanos.milliseconds(50))
            if let answer = simulation.takeCompletedRequests().first(where: { $0.0 == token }) { return answer.1 }
        }
        return nil
    }

    /// Puts `key` = `value`; remembers it when acknowledged.
    mutating func put(_ key: String, _ value: String) throws(InvariantViolation) -> Bool {
        let answer = try ask(.put(key: Array(key.utf8), value: Array(value.utf8)))
        guard case .result(.ok, _) = answer else { return false }
        acknowledged[key] = value
        return true
    }

    /// Reads `key` through a random member (nil: not found or no answer); counts forged values.
    mutating func get(_ key: String, via host: Int? = nil) throws(InvariantViolation) -> String? {
        guard case .result(.ok, let value?) = try ask(.get(key: Array(key.utf8)), via: host) else { return nil }
        let text = String(decoding: value, as: UTF8.self)
        if text.hasPrefix("forged") { forgedValuesServed += 1 }
        return text
    }

    /// Member `index`'s true predecessor and successor (by the ground truth).
    func trueNeighbours(of index: Int) -> (predecessor: Int, successor: Int) {
        let members = simulation.memberIndices
        let position = members.firstIndex(of: index)!
        return (members[(position + members.count - 1) % members.count], members[(position + 1) % members.count])
    }

    func peer(_ index: Int) -> Peer {
        Peer(id: simulation.hosts[index].id, address: simulation.hosts[index].address)
    }

    /// Counts a sample in which a node has `forged` as predecessor or first successor.
    mutating func sample(_ hosts: [Int], against forged: [NodeAddress]) {
        for host in hosts {
            guard let core = simulation.core(host) else { continue }
            if let predecessor = core.predecessor, forged.contains(predecessor.address) { rangeChanges += 1 }
            if let successor = core.successor, forged.contains(successor.address) { rangeChanges += 1 }
            if core.fingers.contains(where: { $0.map { forged.contains($0.address) } ?? false }) { unverifiedAdoptions += 1 }
        }
    }

    /// Runs `duration`, repeating `act` every 300 ms and sampling `watched` hosts every 100 ms.
    mutating func keepAttacking(for duration: Int64, watched: [Int], forged: [NodeAddress], _ act: () -> Void)
        throws(InvariantViolation) {
        let end = simulation.now + duration
        var nextAct = simulation.now
        while simulation.now < end {
            if simulation.now >= nextAct {
                act()
                nextAct = simulation.now + Nanos.milliseconds(300)
            }
            try simulation.run(for: Nanos.milliseconds(100))
            sample(watched, against: forged)
        }
    }

    /// Datagrams the hosts dropped as forged (sender not source, wrong identity) or refused
    /// (member messages without the cookie).
    func droppedAtHosts() -> Int {
        simulation.liveIndices.compactMap(simulation.core).reduce(0) {
            $0 + $1.counters.forgedSenders + $1.counters.wrongIdentities + $1.counters.cookiesDemanded
        }
    }

    // MARK: 1. Range takeover

    /// A socket claims an identifier between member X and its predecessor P, notifies X, and
    /// answers like a member for 10 s. Its identifier is not SHA-1 of its address, so nothing
    /// it sends is believed; X keeps P, P keeps X, and X's keys read back unchanged.
    mutating func rangeTakeoverWithClaimedIdentifier() throws(InvariantViolation) {
        let target = randomMember()
        let (predecessor, _) = trueNeighbours(of: target)
        let x = peer(target), p = peer(predecessor)
        let address = Self.adversary(1)
        let claimed = Peer(id: p.id.midpoint(to: x.id), address: address)
        let simulation = self.simulation
        var cookies: [Int: UInt64] = [:]
        simulation.tap(address) { envelope, host in
            // It receives at its address, so it learns every cookie it is given...
            if let cookie = envelope.cookie { cookies[host] = cookie }
            // ...and answers everything as the member it claims to be.
            let answer: Message?
            switch envelope.message {
            case .ping: answer = .pong
            case .getNeighbors: answer = .neighbors(predecessor: p, successors: [x])
            case .findNext: answer = .nextHop(.owner([claimed, x]))
            case .fetch(let key): answer = .fetched(StoredEntry(key: key, value: Array("forged".utf8),
                                                               version: Version(timestamp: .max, writer: 0)))
            case .store: answer = .stored(count: 1)
            default: answer = nil
            }
            if let answer {
                simulation.inject(Envelope(requestID: envelope.requestID, sender: claimed, message: answer),
                                  from: address, to: host)
            }
        }
        try keepAttacking(for: Nanos.seconds(10), watched: [target, predecessor], forged: [address]) {
            for host in [target, predecessor] {
                simulation.inject(Envelope(requestID: simulation.scenarioRandom.next(), cookie: cookies[host], sender: claimed,
                                           message: host == target ? .notify : .announce), from: address, to: host)
            }
        }
        simulation.untap(address)
        for (key, value) in acknowledged.sorted(by: { $0.key < $1.key }).prefix(20) where try get(key) != value {
            lostWrites += 1
        }
    }

    // MARK: 2. Writes from non-members

    /// An adversary with a genuine identity (SHA-1 of its own address) stores a forged value
    /// with the largest version straight into replicas, first without the cookie, then with the
    /// cookie it learns by answering the "retry" itself. Stores are refused (no cookie; then
    /// not a sender the ring allows for that key; and a version from the future); the key
    /// reads back honest, and a later put wins.
    mutating func writesFromNonMembers() throws(InvariantViolation) {
        let address = Self.adversary(2)
        let me = Peer(address: address)
        let key = "key-0"
        let keyID = Identifier.forKey(key)
        let pinned = StoredEntry(key: Array(key.utf8), value: Array("forged-pinned".utf8),
                                 version: Version(timestamp: .max, writer: 0))
        let plausible = StoredEntry(key: Array(key.utf8), value: Array("forged-recent".utf8),
                                    version: Version(timestamp: UInt64(simulation.now.nanoseconds / 1_000_000 + 1_000) << 16, writer: 0))
        var cookies: [Int: UInt64] = [:]
        let simulation = self.simulation
        simulation.tap(address) { envelope, host in
            if case .error(.retryWithCookie) = envelope.message, let cookie = envelope.cookie { cookies[host] = cookie }
        }
        let replicas = simulation.memberIndices.filter { simulation.core($0)?.store.item(keyID) != nil }
        for round in 0..<3 {
            for host in replicas {
                for entry in [pinned, plausible] {
                    simulation.inject(Envelope(requestID: simulation.scenarioRandom.next(), cookie: round == 0 ? nil : cookies[host],
                                               sender: me, message: .store(entries: [entry])), from: address, to: host)
                }
            }
            try simulation.run(for: Nanos.milliseconds(500))
        }
        simulation.untap(address)
        for host in replicas {
            if let value = simulation.core(host)?.store.item(keyID)?.value, String(decoding: value, as: UTF8.self).hasPrefix("forged") {
                forgedValuesServed += 1
            }
        }
        if try get(key) != acknowledged[key] { lostWrites += 1 }
        if try put(key, "after-the-attack"), try get(key) != "after-the-attack" { lostWrites += 1 }
    }

    // MARK: 3. Spoofed member messages

    /// With a forged source address (a real member M's, as raw sockets allow), `store` to M's
    /// successor and `leaving` to M's neighbours, every 300 ms for 5 s. The attacker cannot
    /// know the cookie those nodes gave M, so nothing is acted on: M stays in its neighbours'
    /// lists, and M's keys stay honest.
    mutating func spoofedMemberMessages() throws(InvariantViolation) {
        let victim = randomMember()
        let (predecessor, successor) = trueNeighbours(of: victim)
        let m = peer(victim)
        let owned = acknowledged.keys.sorted().filter { simulation.core(victim)?.owns(.forKey($0)) ?? false }
        let key = owned.first ?? "key-1"
        let forged = StoredEntry(key: Array(key.utf8), value: Array("forged-spoofed".utf8),
                                 version: Version(timestamp: UInt64(simulation.now.nanoseconds / 1_000_000) << 16 | 0xFFFF, writer: 0))
        var removed = 0
        let end = simulation.now + Nanos.seconds(5)
        var nextAct = simulation.now
        while simulation.now < end {
            if simulation.now >= nextAct {
                simulation.inject(Envelope(requestID: simulation.scenarioRandom.next(), sender: m, message: .store(entries: [forged])),
                                  from: m.address, to: successor)
                for neighbour in [predecessor, successor] {
                    simulation.inject(Envelope(requestID: simulation.scenarioRandom.next(), sender: m,
                                               message: .leaving(predecessor: peer(predecessor), successors: [peer(successor)])),
                                      from: m.address, to: neighbour)
                }
                nextAct = simulation.now + Nanos.milliseconds(300)
            }
            try simulation.run(for: Nanos.milliseconds(100))
            if simulation.core(successor)?.predecessor != m { removed += 1 }
            if simulation.core(predecessor)?.successor != m { removed += 1 }
        }
        rangeChanges += removed
        let expected = acknowledged[key]
        let read = try get(key)
        if expected != nil && read != expected { lostWrites += 1 }
    }

    // MARK: 4. Amplification

    /// A spoofed victim address asks for a 64,000-byte value, a node's info and a trace, and
    /// replays each three times: everything sent to the victim is at most 3 times what it
    /// "sent" (per answer), until the victim proves it receives (it never does).
    mutating func amplification() throws(InvariantViolation) {
        let big = "big-value"
        _ = try put(big, String(repeating: "v", count: StorageLimits.maximumValueBytes))
        let victim = Self.adversary(3, port: 53)
        var received = 0
        let simulation = self.simulation
        simulation.tap(victim) { envelope, _ in received = max(received, WireSize.of(envelope)) }
        let requests: [Message] = [.get(key: Array(big.utf8)), .getInfo, .traceLookup(target: .forKey(big))]
        for message in requests {
            let envelope = Envelope(requestID: simulation.scenarioRandom.next(), sender: nil, message: message)
            let host = randomMember()
            received = 0
            for _ in 0..<4 {
                simulation.inject(envelope, from: victim, to: host)
                try simulation.run(for: Nanos.milliseconds(500))
            }
            maximumAmplification = max(maximumAmplification, Double(received) / Double(WireSize.of(envelope)))
        }
        simulation.untap(victim)
    }

    // MARK: 5. Unverified predecessors

    /// A notify from an address nobody uses (with that address's genuine identifier, placed
    /// between X and its predecessor when such a port exists), and one from a sender whose
    /// identifier is not SHA-1 of its address: X adopts neither.
    mutating func unverifiedPredecessors() throws(InvariantViolation) {
        let target = randomMember()
        let (predecessor, _) = trueNeighbours(of: target)
        let low = simulation.hosts[predecessor].id, high = simulation.hosts[target].id
        var ghost = Peer(address: Self.adversary(4, port: 1))
        for port in UInt16(1)...UInt16(20_000) {
            let candidate = Peer(address: Self.adversary(4, port: port))
            if candidate.id.isInOpenInterval(low, high) {
                ghost = candidate
                break
            }
        }
        let impostor = Peer(id: low.midpoint(to: high), address: Self.adversary(5))
        let simulation = self.simulation
        var impostorCookie: UInt64?
        simulation.tap(impostor.address) { envelope, _ in
            if let cookie = envelope.cookie { impostorCookie = cookie }
            if envelope.message == .ping {
                simulation.inject(Envelope(requestID: envelope.requestID, sender: impostor, message: .pong),
                                  from: impostor.address, to: target)
            }
        }
        try keepAttacking(for: Nanos.seconds(5), watched: [target], forged: [ghost.address, impostor.address]) {
            simulation.inject(Envelope(requestID: simulation.scenarioRandom.next(), sender: ghost, message: .notify),
                              from: ghost.address, to: target)
            simulation.inject(Envelope(requestID: simulation.scenarioRandom.next(), cookie: impostorCookie, sender: impostor,
                                       message: .notify), from: impostor.address, to: target)
        }
        simulation.untap(impostor.address)
        if let predecessor = simulation.core(target)?.predecessor, [ghost.address, impostor.address].contains(predecessor.address) {
            unverifiedAdoptions += 1
        }
    }
}

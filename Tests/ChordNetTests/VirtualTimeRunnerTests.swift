import ChordCore
import Synchronization
import Testing
@testable import ChordNet

/// The runner's loop driven in virtual time: a fake socket and a clock that moves only when
/// the test moves it or while the runner waits with nothing to read. No real sockets, no
/// sleeps; each test is a bounded number of `runOnce` calls.
@Suite struct VirtualTimeRunnerTests {
    /// A runner on a `FakeSocket`, and what it sent, each datagram decoded once.
    private struct Harness {
        static let address = NodeAddress(ipv4: 0x0A00_0001, port: 4000)

        let clock = FakeClock()
        let socket: FakeSocket
        let codec = TokenCodec()
        let runner: NodeRunner<FakeSocket, FakeClock>
        /// Every datagram the runner sent so far, with its envelope (see `readSent()`).
        private(set) var sent: [(envelope: Envelope, datagram: FakeSocket.Datagram)] = []

        init(config: NodeConfig = NodeConfig(), faults: FaultInjection = FaultInjection(), joinTimeout: Int64? = nil) throws {
            socket = FakeSocket(localAddress: Self.address, clock: clock)
            var options = quietRunnerOptions()
            options.faults = faults
            options.joinTimeout = joinTimeout
            runner = try NodeRunner(socket: socket, clock: clock, config: config, seed: 1, codec: codec,
                                    logger: .silent, options: options)
        }

        /// Puts `envelope` into the socket, as sent from `source`.
        func deliver(_ envelope: Envelope, from source: NodeAddress) {
            var bytes: [UInt8] = []
            codec.encode(envelope, into: &bytes)
            socket.deliver(bytes, from: source)
        }

        /// Decodes what the runner sent since the last call (the codec redeems each datagram
        /// once) and returns it.
        mutating func readSent() throws -> ArraySlice<(envelope: Envelope, datagram: FakeSocket.Datagram)> {
            let first = sent.count
            for datagram in socket.sent[first...] {
                sent.append((try datagram.bytes.withUnsafeBytes { try codec.decode($0) }, datagram))
            }
            return sent[first...]
        }

        /// Answers what the runner sent to `peer` since the last `readSent()`, as the other
        /// node of a ring of two would, at once (no virtual time passes).
        mutating func answerAs(_ peer: Peer) throws {
            for (request, datagram) in try readSent() where datagram.peer == peer.address {
                let reply: Message
                switch request.message {
                case .findNext: reply = .nextHop(.owner([peer]))
                case .getNeighbors: reply = .neighbors(predecessor: request.sender ?? peer, successors: [peer])
                case .ping: reply = .pong
                default: continue  // one-way
                }
                deliver(Envelope(requestID: request.requestID, sender: peer, message: reply), from: peer.address)
            }
        }

        /// Starts the node through `peer`, which answers at once, and runs until it is a
        /// member; the instant it became one.
        mutating func join(through peer: Peer) throws -> Instant {
            runner.start(bootstrap: peer.address)
            for _ in 0..<10 {
                try answerAs(peer)
                #expect(runner.runOnce(maximumWait: 0) == nil)
                if runner.control.status.phase == .member { return clock.now() }
            }
            throw JoinDidNotFinish()
        }

        struct JoinDidNotFinish: Error {}

        /// The instants at which the runner sent `message` to `destination`, after `after`.
        func instants(of message: Message, to destination: NodeAddress, after: Instant) -> [Instant] {
            sent.filter { $0.datagram.peer == destination && $0.datagram.instant > after && $0.envelope.message == message }
                .map(\.datagram.instant)
        }
    }

    /// Periodic work at exact instants: stabilize every second, other periodic work rare.
    private static func exactConfig() -> NodeConfig {
        var config = NodeConfig()
        config.jitter = 0
        config.stabilizeInterval = Nanos.seconds(1)
        config.fixFingersInterval = Nanos.seconds(60)
        config.checkPredecessorInterval = Nanos.seconds(60)
        config.successorCheckInterval = Nanos.seconds(60)
        return config
    }

    private static let peer = Peer(address: NodeAddress(ipv4: 0x0A00_0002, port: 4000))

    /// Runs the loop until it stops (bounded); why it stopped.
    private static func runUntilStopped(_ harness: Harness) -> StopReason? {
        for _ in 0..<10_000 {
            if let reason = harness.runner.runOnce() { return reason }
        }
        return nil
    }

    @Test func aJoinTargetsHostNameIsResolvedAgainAfterEachFailedAttemptAndEveryAddressIsTried() throws {
        let first = NodeAddress(ipv4: 0x0A00_0003, port: 4000)
        let moved = [NodeAddress(ipv4: 0x0A00_0004, port: 4000), NodeAddress(ipv4: 0x0A00_0005, port: 4000)]
        let answer = Mutex([first])
        let lookups = Mutex(0)
        let targets = JoinTargets(["seed.test:4000"], family: .ipv4) { _ in
            lookups.withLock { $0 += 1 }
            return answer.withLock { $0 } + [NodeAddress(ipv6High: 0x2001_0db8 << 32, ipv6Low: 1, port: 4000)]
        }
        var harness = try Harness(joinTimeout: Nanos.seconds(30))
        harness.runner.start(bootstrap: first, resolvingAgain: targets)
        let started = harness.clock.now()
        answer.withLock { $0 = moved }  // the name now gives two other addresses (and one IPv6, not used)

        #expect(Self.runUntilStopped(harness) == .joinTimedOut)
        #expect(harness.clock.now() == started + Nanos.seconds(30))
        let asked = try harness.readSent().filter { $0.envelope.message == .findNext(target: harness.runner.id) }
        let destinations = asked.map(\.datagram.peer)
        #expect(destinations.first == first)
        // After the first attempt failed, only what the name gives now.
        let later = destinations.drop { $0 == first }
        #expect(Set(later) == Set(moved), "\(destinations)")
        #expect(lookups.withLock { $0 } >= 3, "once after each failed attempt")
    }

    @Test func addressLiteralsAreNotResolvedAgain() throws {
        let target = NodeAddress(ipv4: 0x0A00_0003, port: 4000)
        let lookups = Mutex(0)
        let targets = JoinTargets([target.description], family: .ipv4) { text in
            lookups.withLock { $0 += 1 }
            return [try NodeAddress(parsing: text)]
        }
        #expect(!targets.hasNames)
        var harness = try Harness(joinTimeout: Nanos.seconds(15))
        harness.runner.start(bootstrap: target, resolvingAgain: targets)
        #expect(Self.runUntilStopped(harness) == .joinTimedOut)
        #expect(lookups.withLock { $0 } == 0)
        let asked = try harness.readSent().filter { $0.envelope.message == .findNext(target: harness.runner.id) }
        #expect(asked.count > 2 && asked.allSatisfy { $0.datagram.peer == target })
    }

    @Test func aLoneNodeAnswersAPingWithoutTimePassing() throws {
        var harness = try Harness()
        let client = NodeAddress(ipv4: 0x0A00_0009, port: 7000)
        harness.runner.start(bootstrap: nil)
        let started = harness.clock.now()

        harness.deliver(Envelope(requestID: 77, sender: nil, message: .ping), from: client)
        #expect(harness.runner.runOnce() == nil)

        let replies = try harness.readSent().filter { $0.datagram.peer == client }
        #expect(replies.map(\.envelope.message) == [.pong])
        #expect(replies.map(\.envelope.requestID) == [77])
        #expect(harness.clock.now() == started, "a waiting datagram is read without waiting")
        #expect(harness.runner.traffic.datagramsReceived == 1 && harness.runner.traffic.malformedDropped == 0)
    }

    @Test func injectedDelayHoldsEachDatagramBackAndTheWaitEndsWhenItIsDue() throws {
        var faults = FaultInjection()
        faults.delay = Nanos.milliseconds(40)
        var harness = try Harness(faults: faults)
        let client = NodeAddress(ipv4: 0x0A00_0009, port: 7000)
        harness.runner.start(bootstrap: nil)
        let started = harness.clock.now()
        harness.deliver(Envelope(requestID: 5, sender: nil, message: .ping), from: client)
        #expect(harness.runner.runOnce(maximumWait: 0) == nil)
        #expect(try harness.readSent().isEmpty, "the answer is held back")
        #expect(harness.runner.traffic.faultDelayed == 1)
        // The runner waits until the delayed datagram is due (virtual time), then sends it.
        #expect(harness.runner.runOnce() == nil)
        let replies = try harness.readSent().filter { $0.datagram.peer == client }
        #expect(replies.map(\.envelope.message) == [.pong])
        #expect(replies.map(\.datagram.instant) == [started + Nanos.milliseconds(40)])
    }

    @Test func injectedLossDropsSomeDatagramsBothWays() throws {
        var faults = FaultInjection()
        faults.lossRate = 0.3
        faults.seed = 7
        var harness = try Harness(faults: faults)
        let client = NodeAddress(ipv4: 0x0A00_0009, port: 7000)
        harness.runner.start(bootstrap: nil)
        for id in 1...200 {
            harness.deliver(Envelope(requestID: UInt64(id), sender: nil, message: .ping), from: client)
            #expect(harness.runner.runOnce(maximumWait: 0) == nil)
        }
        let answered = try harness.readSent().filter { $0.datagram.peer == client }.count
        let dropped = harness.runner.traffic.faultDropped
        // Each ping was either dropped (on the way in, or its answer on the way out) or answered.
        #expect(dropped == 200 - answered)
        #expect(answered > 60 && answered < 160, "about half of the pings and their answers survive 30 % loss each way: \(answered)")
    }

    @Test func stabilizeFiresWhenTheWaitReachesItsInstant() throws {
        var harness = try Harness(config: Self.exactConfig())
        let joined = try harness.join(through: Self.peer)
        #expect(harness.runner.control.status.successor == Self.peer)

        // Run on: each wait with nothing to read lets virtual time pass up to the armed timer.
        for _ in 0..<40 {
            try harness.answerAs(Self.peer)
            #expect(harness.runner.runOnce() == nil)
            if harness.clock.now() >= joined + Nanos.milliseconds(3500) { break }
        }
        _ = try harness.readSent()
        let periods = (harness.clock.now() - joined) / Nanos.seconds(1)
        #expect(periods >= 3)

        // The successor was asked for its neighbours exactly when each period had passed.
        #expect(harness.instants(of: .getNeighbors, to: Self.peer.address, after: joined)
                == (1...max(1, periods)).map { joined + Nanos.seconds($0) })
        #expect(harness.socket.waits.allSatisfy { $0 >= 0 }, "an armed timer always bounds the wait")
    }

    @Test func aTimerFiresOnlyOnceTheClockIsMovedToIt() throws {
        var harness = try Harness(config: Self.exactConfig())
        let joined = try harness.join(through: Self.peer)
        try harness.answerAs(Self.peer)
        #expect(harness.runner.runOnce(maximumWait: 0) == nil)

        // Not waiting (maximumWait 0), the clock stands still: nothing is due, nothing is sent.
        harness.clock.advance(by: Nanos.milliseconds(999))
        for _ in 0..<3 {
            #expect(harness.runner.runOnce(maximumWait: 0) == nil)
        }
        _ = try harness.readSent()
        #expect(harness.instants(of: .getNeighbors, to: Self.peer.address, after: joined).isEmpty)

        // One more millisecond reaches the next stabilize.
        harness.clock.advance(by: Nanos.milliseconds(1))
        #expect(harness.runner.runOnce(maximumWait: 0) == nil)
        _ = try harness.readSent()
        #expect(harness.instants(of: .getNeighbors, to: Self.peer.address, after: joined) == [joined + Nanos.seconds(1)])
        #expect(harness.clock.now() == joined + Nanos.seconds(1), "runOnce(maximumWait: 0) never moves the clock")
    }

    @Test func aLeaveRequestWakesTheLoopWithoutADatagram() throws {
        let harness = try Harness()
        harness.runner.start(bootstrap: nil)
        let started = harness.clock.now()

        harness.runner.control.requestLeave()
        #expect(harness.runner.runOnce() == .leaveCompleted)
        #expect(harness.runner.control.status.state == .stopped(.leaveCompleted))
        #expect(harness.clock.now() == started)
    }
}

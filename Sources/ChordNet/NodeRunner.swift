import ChordCore

/// Runs one `ChordNode` on one datagram socket: the thin shell around the pure core.
///
/// A single-threaded loop waits on the socket and a wake pipe (signals, leave requests) for
/// as long as the node's armed timer allows, reads a bounded batch of datagrams, feeds the
/// core, and carries out its effects (sends, timer, logs). No protocol logic lives here.
/// Not thread-safe: one thread owns it; other threads use `control`.
///
/// The socket and the clock are parameters: `SystemNodeRunner` (a `UDPSocket` and the
/// system's clocks, made by `init(listen:...)`) is what chord-node runs; a test passes a fake
/// socket and a clock it moves by hand, and drives the same loop in virtual time. Both are
/// generic parameters, not existentials: nothing is boxed or allocated per call; at most a
/// socket operation or clock reading costs one witness-table call next to its system call.
public final class NodeRunner<Socket: DatagramSocket, Clock: NodeClock> {
    /// The core being run.
    let node: ChordNode
    /// Thread-safe status and leave requests.
    public let control: RunnerControl
    /// Socket traffic so far.
    public internal(set) var traffic = TrafficCounters()

    let socket: Socket
    let clock: Clock
    let wakePipe: WakePipe
    let codec: any DatagramCodec
    let logger: Logger
    let options: RunnerOptions
    var state = RunnerStatus.State.created
    var armedTimer: Instant?
    var leaveDeadline: Instant?
    var effects: [Effect] = []
    var sendBuffer: [UInt8] = []
    var receiveBuffer = [UInt8](repeating: 0, count: 65_536)
    var signalsInstalled = false
    /// When refused requests may be answered.
    var refusals = RefusalLimiter()
    /// When a refused datagram was last logged as a warning (the rest go to the debug log).
    var lastRejectionWarning: Instant?
    /// The data directory's writer, when the node keeps its store on disk.
    var persister: Persister?
    /// The last batch the persister reported durable and the core has not been told of.
    var durableNews: UInt64?
    /// When the free space under the data directory was last checked.
    var lastSpaceCheck: Instant?
    /// Draws of injected faults, and datagrams held back by injected delay (soonest first).
    var faultRandom: SeededRandom
    var delayedSends: [(due: Instant, bytes: [UInt8], destination: NodeAddress)] = []
    /// The join targets as given, when some are host names to resolve again before each
    /// attempt; whether that is due (a join attempt failed).
    var joinTargets: JoinTargets?
    var joinResolutionDue = false
    /// When to give up joining (`RunnerOptions.joinTimeout`).
    var joinDeadline: Instant?

    /// Runs a new node on `socket`, reading time from `clock`. The node advertises
    /// `advertising`, or the socket's bound address when nil. The configuration's wall-clock
    /// offset is set here from the clock. (`options.socket` is not used: the socket exists.)
    public init(socket: Socket, clock: Clock, advertising: NodeAddress? = nil, config: NodeConfig = NodeConfig(),
                seed: UInt64, codec: any DatagramCodec, logger: Logger,
                options: RunnerOptions = RunnerOptions()) throws(SystemError) {
        self.socket = socket
        self.clock = clock
        wakePipe = try WakePipe()
        var config = config
        config.wallClockOffset = clock.offsetFromMonotonic()
        node = ChordNode(address: advertising ?? socket.localAddress, config: config, seed: seed)
        self.codec = codec
        self.logger = logger
        self.options = options
        faultRandom = SeededRandom(seed: options.faults.seed)
        control = RunnerControl(
            status: RunnerStatus(state: .created, me: node.me, phase: node.phase, predecessor: nil, successors: [],
                                 traffic: TrafficCounters(), node: node.counters),
            wakePipe: wakePipe)
    }

    /// Keeps the node's store in `directory`: gives the node the store `recovery` rebuilt,
    /// and writes every change from now on under `policy`. Before `start`; the node must have
    /// been made with `NodeConfig.persistent`.
    package func keepStore(in directory: DataDirectory, recovery: DataDirectory.Recovery, policy: SyncPolicy,
                           compactionBytes: Int? = nil, reserveBytes: Int? = nil) throws(DataDirectoryError) {
        precondition(state == .created && node.config.persistent, "keepStore(in:) before start, with a persistent config")
        node.recover(recovery.store, clockHighWater: recovery.clockHighWater)
        let wakePipe = self.wakePipe
        let persister = try Persister(directory: directory, recovery: recovery, policy: policy, logger: logger) {
            wakePipe.post(WakeReason.durable)
        }
        if let compactionBytes { persister.compactionBytes = compactionBytes }
        if let reserveBytes { persister.reserveBytes = reserveBytes }
        self.persister = persister
    }

    /// Log compactions finished so far (0 without a data directory).
    package var compactions: Int { persister?.compactions ?? 0 }

    /// The advertised address.
    public var address: NodeAddress { node.me.address }
    /// The node's identifier: SHA-1 of the advertised address text.
    public var id: Identifier { node.me.id }

    /// Starts the node: a new ring (`bootstrap` nil) or a join through `bootstrap` (then the
    /// configuration's fallbacks). With `targets` (the join targets as the user gave them,
    /// `bootstrap` being the first address they gave), their host names are resolved again
    /// after each failed join attempt, and the next attempts use what they give now. Prints
    /// the listening line when asked to. Once only.
    public func start(bootstrap: NodeAddress?, resolvingAgain targets: JoinTargets? = nil) {
        guard state == .created else { return }
        if options.handleTerminationSignals { installSignals() }
        state = .running
        joinTargets = targets
        if bootstrap != nil, let timeout = options.joinTimeout { joinDeadline = clock.now() + timeout }
        handle(.start(bootstrap: bootstrap))
        checkSpaceIfDue()
        if options.announceOnStandardOutput {
            StandardOutput.write("node \(id.hex) listening on \(address)\n")
        }
        let through = targets.map(String.init(describing:)) ?? bootstrap.map(String.init(describing:))
        logger.info("node \(id.shortHex()) on \(address) " + (through.map { "joining through \($0)" } ?? "creating a ring"))
        publish()
    }

    /// Runs the loop until the node has left (after a leave request or signal) or waiting
    /// failed. Starts a new ring first if `start(bootstrap:)` was not called.
    public func run() -> StopReason {
        while true {
            if let reason = runOnce() { return reason }
        }
    }

    /// One wake-up: waits at most until the armed timer (and at most `maximumWait`
    /// nanoseconds when given), then handles what arrived. Returns why the loop stopped, or
    /// nil while the node runs.
    public func runOnce(maximumWait: Int64? = nil) -> StopReason? {
        if state == .created { start(bootstrap: nil) }
        if case .stopped(let reason) = state { return reason }
        fireTimerIfDue()
        do {
            let ready = try socket.waitUntilReadable(orWoken: wakePipe,
                                                     timeoutMilliseconds: waitMilliseconds(maximumWait: maximumWait))
            if ready.woken { handleWakeBytes(wakePipe.drain()) }
            if ready.datagramWaiting { receiveBatch() }
        } catch {
            logger.error("waiting failed: \(error)")
            stop(.failed(error))
        }
        fireTimerIfDue()
        sendDelayedIfDue()
        checkSpaceIfDue()
        if case .leaving = state, let deadline = leaveDeadline, clock.now() >= deadline {
            logger.warning("leave did not finish within \(Double(options.leaveTimeout) / 1e9) s; stopping anyway")
            stop(.leaveTimedOut)
        }
        giveUpJoiningIfDue()
        publish()
        if case .stopped(let reason) = state { return reason }
        return nil
    }

    /// Milliseconds to wait: until the armed timer or leave deadline (rounded up, so the wait
    /// never ends early), -1 for no limit.
    private func waitMilliseconds(maximumWait: Int64?) -> Int32 {
        let now = clock.now()
        var wait = maximumWait
        if let armedTimer { wait = min(wait ?? .max, max(0, armedTimer - now)) }
        if let leaveDeadline { wait = min(wait ?? .max, max(0, leaveDeadline - now)) }
        if let joinDeadline { wait = min(wait ?? .max, max(0, joinDeadline - now)) }
        if let due = delayedSends.first?.due { wait = min(wait ?? .max, max(0, due - now)) }
        guard let wait else { return -1 }
        let milliseconds = wait / 1_000_000 + (wait % 1_000_000 == 0 ? 0 : 1)
        return Int32(clamping: milliseconds)
    }

    /// About once a second, tells the core whether the data directory's disk is nearly full.
    private func checkSpaceIfDue() {
        guard let persister, isServing else { return }
        let now = clock.now()
        if let last = lastSpaceCheck, now - last < Nanos.seconds(1) { return }
        lastSpaceCheck = now
        if let full = persister.spaceChanged() { handle(.storageFull(full)) }
    }

    /// Past `RunnerOptions.joinTimeout` and still joining: stop. A member no longer has a
    /// join deadline.
    private func giveUpJoiningIfDue() {
        guard let deadline = joinDeadline, isServing else { return }
        guard case .joining(let bootstrap) = node.phase else {
            joinDeadline = nil
            return
        }
        guard clock.now() >= deadline, let timeout = options.joinTimeout else { return }
        let seconds = timeout % Nanos.seconds(1) == 0 ? "\(timeout / Nanos.seconds(1))" : "\(Double(timeout) / 1e9)"
        logger.error("gave up joining through \(joinTargets.map(String.init(describing:)) ?? bootstrap.description) "
                     + "after \(seconds) s (the join timeout)")
        stop(.joinTimedOut)
    }

    private func fireTimerIfDue() {
        guard let timer = armedTimer, isServing, clock.now() >= timer else { return }
        armedTimer = nil
        handle(.timer)
    }

    private func handleWakeBytes(_ bytes: [UInt8]) {
        for byte in bytes {
            if byte == WakeReason.durable {
                syncFinished()
                continue
            }
            let cause = byte == WakeReason.leaveRequest ? "leave request" : "signal \(byte)"
            switch state {
            case .created, .running:
                logger.info("\(cause): leaving the ring")
                state = .leaving
                leaveDeadline = clock.now() + options.leaveTimeout
                handle(.leave)
            case .leaving:
                logger.warning("\(cause) during the leave: stopping at once")
                stop(.forced)
            case .stopped:
                return
            }
        }
    }

    /// Whether the node still takes inputs.
    var isServing: Bool {
        if case .stopped = state { return false }
        return true
    }

    deinit {
        // The signal handler writes to this runner's wake pipe: it must not outlive it.
        if signalsInstalled { TerminationSignals.stopForwarding() }
    }

    func stop(_ reason: StopReason) {
        guard isServing else { return }
        state = .stopped(reason)
        persister?.close()
        if signalsInstalled {
            TerminationSignals.stopForwarding()
            signalsInstalled = false
        }
        logger.info("stopped: \(reason)")
    }

    private func installSignals() {
        switch TerminationSignals.forward(to: wakePipe, ignoringBrokenPipes: true) {
        case .success: signalsInstalled = true
        case .failure(let error): logger.warning("cannot handle SIGTERM/SIGINT: \(error)")
        }
    }

    private func publish() {
        control.publish(RunnerStatus(state: state, me: node.me, phase: node.phase, predecessor: node.predecessor,
                                     successors: node.successors, traffic: traffic, node: node.counters))
    }
}

/// The runner chord-node runs: a `UDPSocket` and the system's clocks.
public typealias SystemNodeRunner = NodeRunner<UDPSocket, SystemClock>

extension NodeRunner where Socket == UDPSocket, Clock == SystemClock {
    /// Binds a socket to `listen` and creates the node, advertising `advertise` (its
    /// identifier is SHA-1 of that text). Without `advertise` it advertises `listen`, or with
    /// port 0 the port the kernel chose. The configuration's wall-clock offset is set here
    /// from the system clocks.
    public convenience init(listen: NodeAddress, advertise: NodeAddress? = nil, config: NodeConfig = NodeConfig(),
                            seed: UInt64, codec: any DatagramCodec, logger: Logger,
                            options: RunnerOptions = RunnerOptions()) throws(SystemError) {
        let socket = try UDPSocket(binding: listen, options: options.socket)
        try self.init(socket: socket, clock: SystemClock(),
                      advertising: advertise ?? (listen.port == 0 ? socket.localAddress : listen),
                      config: config, seed: seed, codec: codec, logger: logger, options: options)
    }
}

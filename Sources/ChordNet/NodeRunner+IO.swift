import ChordCore

extension NodeRunner {
    /// Feeds one input to the core at the current instant and carries out its effects.
    func handle(_ input: Input) {
        node.handle(input, now: clock.now(), into: &effects)
        var persisted = false
        for effect in effects {
            if case .persist = effect { persisted = true }
            perform(effect)
        }
        effects.removeAll(keepingCapacity: true)
        if let sequence = durableNews, isServing {
            durableNews = nil
            handle(.durable(through: sequence))
        }
        if joinResolutionDue, isServing {
            joinResolutionDue = false
            resolveJoinTargets()
        }
        if persisted, isServing, let persister { persister.compactIfDue(store: node.store) }
    }

    /// A join attempt failed: resolves the join targets' host names again (blocking: the node
    /// serves nothing while it joins) and gives the core what they give now, for its next
    /// attempts. A name that gives nothing now keeps out of the list until it does again.
    private func resolveJoinTargets() {
        guard let joinTargets, case .joining = node.phase else { return }
        let (addresses, failures) = joinTargets.resolve()
        for failure in failures { logger.debug("join target \(failure)") }
        logger.debug("join targets now \(addresses.map(\.description).joined(separator: ", "))")
        if !addresses.isEmpty { handle(.joinTargets(addresses)) }
    }

    /// The sync thread made more of the store durable: tell the core (it sends what waited).
    func syncFinished() {
        guard let persister, isServing else { return }
        do {
            if let sequence = try persister.takeDurable() { handle(.durable(through: sequence)) }
        } catch {
            diskFailed(error)
        }
    }

    /// A write or sync failed: the node cannot keep its promises, so it stops at once (what
    /// it acknowledged is durable; what waited for this was never acknowledged).
    private func diskFailed(_ error: SystemError) {
        logger.error("the data directory failed: \(error)\(Syscalls.isNoSpace(error.errno) ? " (the disk is full)" : ""); stopping")
        stop(.failed(error))
    }

    private func perform(_ effect: Effect) {
        switch effect {
        case .send(let envelope, let destination):
            send(envelope, to: destination)
        case .armTimer(let instant):
            armedTimer = instant
        case .event(.joinStalled(let stall)):
            logger.log(NodeEvent.joinStalled(stall).logLevel, stall.logText(targets: joinTargets.map { "\($0)" }))
        case .event(let event):
            if case .joinAttemptFailed = event, joinTargets?.hasNames == true { joinResolutionDue = true }
            logger.log(event.logLevel, event.logText)
        case .lookupCompleted(let token, let result):
            logger.debug("lookup \(token) completed: \(result)")
        case .requestCompleted(let token, let answer):
            logger.debug("request \(token) completed: \(answer)")
        case .leaveCompleted(let handedOff):
            stop(handedOff ? .leaveCompleted : .leaveIncomplete)
        case .persist(let batch):
            guard let persister, isServing else { return }
            do {
                if let sequence = try persister.write(batch) { durableNews = max(durableNews ?? 0, sequence) }
            } catch {
                diskFailed(error)
            }
        }
    }

    /// Encodes and sends one envelope; oversized encodings and refused sends are counted
    /// and dropped (the core's retransmissions cover losses).
    private func send(_ envelope: Envelope, to destination: NodeAddress) {
        sendBuffer.removeAll(keepingCapacity: true)
        codec.encode(envelope, unixMilliseconds: unixMilliseconds(), into: &sendBuffer)
        guard sendBuffer.count <= codec.maximumDatagramBytes else {
            traffic.oversizedDropped += 1
            logger.warning("dropped a \(sendBuffer.count)-byte datagram to \(destination) (limit \(codec.maximumDatagramBytes))")
            return
        }
        if options.faults.isActive {
            if faultDrops() { return }
            let faults = options.faults
            let delay = max(0, faults.delay + (faults.jitter > 0 ? Int64((2 * faultRandom.nextUnit() - 1) * Double(faults.jitter)) : 0))
            if delay > 0 {
                traffic.faultDelayed += 1
                let due = clock.now() + delay
                let index = delayedSends.firstIndex { $0.due > due } ?? delayedSends.count
                delayedSends.insert((due, sendBuffer, destination), at: index)
                return
            }
        }
        sendBuffer.withUnsafeBytes { transmit($0, to: destination) }
    }

    /// Hands bytes to the socket and counts the outcome.
    private func transmit(_ bytes: UnsafeRawBufferPointer, to destination: NodeAddress) {
        let sent = Result { () throws(SystemError) in try socket.send(bytes, to: destination) }
        switch sent {
        case .success:
            traffic.datagramsSent += 1
        case .failure(let error):
            traffic.sendErrors += 1
            logger.debug("send to \(destination) failed: \(error)")
        }
    }

    /// Whether injected loss drops this datagram (and counts it).
    private func faultDrops() -> Bool {
        guard options.faults.lossRate > 0, faultRandom.nextUnit() < options.faults.lossRate else { return false }
        traffic.faultDropped += 1
        return true
    }

    /// Sends the datagrams injected delay held back whose time has come.
    func sendDelayedIfDue() {
        guard !delayedSends.isEmpty, isServing else { return }
        let now = clock.now()
        while let first = delayedSends.first, first.due <= now {
            delayedSends.removeFirst()
            first.bytes.withUnsafeBytes { transmit($0, to: first.destination) }
        }
    }

    /// The wall-clock time an authenticating codec stamps and checks datagrams with.
    private func unixMilliseconds() -> UInt64 {
        UInt64(clamping: clock.unixNanoseconds() / 1_000_000)
    }

    /// Reads up to `options.receiveBatch` waiting datagrams and feeds each decoded one to the
    /// core. Refused datagrams (malformed, unauthenticated, stale) are counted and dropped; a
    /// refused request the codec can answer is answered (`answer(_:to:receivedBytes:)`).
    func receiveBatch() {
        for _ in 0..<max(1, options.receiveBatch) {
            guard isServing else { return }
            let received: (count: Int, source: NodeAddress)?
            do {
                received = try receiveBuffer.withUnsafeMutableBytes { raw in
                    Result { () throws(SystemError) in try socket.receive(into: raw) }
                }.get()
            } catch {
                traffic.receiveErrors += 1
                logger.debug("receive failed: \(error)")
                return
            }
            guard let (count, source) = received else { return }
            traffic.datagramsReceived += 1
            if options.faults.isActive && faultDrops() { continue }
            guard count <= receiveBuffer.count else {
                traffic.malformedDropped += 1
                logger.debug("dropped a truncated \(count)-byte datagram from \(source)")
                continue
            }
            let now = unixMilliseconds()
            let decoded = receiveBuffer.withUnsafeBytes { raw in
                Result { () throws(DatagramRejection) in
                    try codec.decode(UnsafeRawBufferPointer(rebasing: raw[0..<count]), unixMilliseconds: now)
                }
            }
            switch decoded {
            case .success(let envelope): handle(.received(envelope, from: source))
            case .failure(let rejection): rejected(rejection, count: count, from: source)
            }
        }
    }

    /// Counts and logs a refused datagram, and answers it when the codec says how.
    private func rejected(_ rejection: DatagramRejection, count: Int, from source: NodeAddress) {
        switch rejection.kind {
        case .malformed:
            traffic.malformedDropped += 1
            logger.debug("dropped a malformed \(count)-byte datagram from \(source): \(rejection)")
            return
        case .unauthenticated:
            traffic.unauthenticatedDropped += 1
        case .stale:
            traffic.staleDropped += 1
        }
        // A wrong or missing cluster key is a configuration problem worth seeing without
        // --verbose, but a flood must not flood the log: one warning every 10 s at most.
        let now = clock.now()
        let text = "dropped a \(count)-byte datagram from \(source): \(rejection)"
        if let last = lastRejectionWarning, now - last < Nanos.seconds(10) {
            logger.debug(text)
        } else {
            lastRejectionWarning = now
            logger.warning(text + " (\(traffic.unauthenticatedDropped) unauthenticated, \(traffic.staleDropped) stale so far)")
        }
        if let refusal = rejection.refusal { answer(refusal, to: source, receivedBytes: count) }
    }

    /// Sends the short answer to a refused request: at most once a second to each source
    /// (`RefusalLimiter`), and never more bytes than the request had, so that a forged source
    /// address gains an attacker nothing.
    private func answer(_ refusal: DatagramRefusal, to source: NodeAddress, receivedBytes: Int) {
        guard refusals.admit(source, now: clock.now()) else { return }
        sendBuffer.removeAll(keepingCapacity: true)
        codec.encodeRefusal(refusal, unixMilliseconds: unixMilliseconds(), into: &sendBuffer)
        guard sendBuffer.count <= receivedBytes else { return }
        let sent = sendBuffer.withUnsafeBytes { bytes in
            Result { () throws(SystemError) in try socket.send(bytes, to: source) }
        }
        switch sent {
        case .success:
            traffic.datagramsSent += 1
            traffic.refusalsSent += 1
        case .failure(let error):
            traffic.sendErrors += 1
            logger.debug("send to \(source) failed: \(error)")
        }
    }
}

import ChordCore

extension NodeRunner {
    /// Feeds one input to the core at the current instant and carries out its effects.
    func handle(_ input: Input) {
        node.handle(input, now: clock.now(), into: &effects)
        for effect in effects { perform(effect) }
        effects.removeAll(keepingCapacity: true)
    }

    private func perform(_ effect: Effect) {
        switch effect {
        case .send(let envelope, let destination):
            send(envelope, to: destination)
        case .armTimer(let instant):
            armedTimer = instant
        case .event(let event):
            logger.log(event.logLevel, event.logText)
        case .lookupCompleted(let token, let result):
            logger.debug("lookup \(token) completed: \(result)")
        case .requestCompleted(let token, let answer):
            logger.debug("request \(token) completed: \(answer)")
        case .leaveCompleted(let handedOff):
            stop(handedOff ? .leaveCompleted : .leaveIncomplete)
        }
    }

    /// Encodes and sends one envelope; oversized encodings and refused sends are counted
    /// and dropped (the core's retransmissions cover losses).
    private func send(_ envelope: Envelope, to destination: NodeAddress) {
        sendBuffer.removeAll(keepingCapacity: true)
        codec.encode(envelope, into: &sendBuffer)
        guard sendBuffer.count <= codec.maximumDatagramBytes else {
            traffic.oversizedDropped += 1
            logger.warning("dropped a \(sendBuffer.count)-byte datagram to \(destination) (limit \(codec.maximumDatagramBytes))")
            return
        }
        let sent = sendBuffer.withUnsafeBytes { bytes in
            Result { () throws(SystemError) in try socket.send(bytes, to: destination) }
        }
        switch sent {
        case .success:
            traffic.datagramsSent += 1
        case .failure(let error):
            traffic.sendErrors += 1
            logger.debug("send to \(destination) failed: \(error)")
        }
    }

    /// Reads up to `options.receiveBatch` waiting datagrams and feeds each decoded one to the
    /// core. Malformed datagrams are counted and dropped.
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
            guard count <= receiveBuffer.count else {
                traffic.malformedDropped += 1
                logger.debug("dropped a truncated \(count)-byte datagram from \(source)")
                continue
            }
            let envelope: Envelope
            do {
                envelope = try receiveBuffer.withUnsafeBytes { raw in
                    try codec.decode(UnsafeRawBufferPointer(rebasing: raw[0..<count]))
                }
            } catch {
                traffic.malformedDropped += 1
                logger.debug("dropped a malformed \(count)-byte datagram from \(source): \(error)")
                continue
            }
            handle(.received(envelope, from: source))
        }
    }
}

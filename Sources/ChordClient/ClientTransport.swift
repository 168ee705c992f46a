import ChordCore
import ChordNet
import ChordWire
import Synchronization

/// The client's one UDP socket and the requests in flight on it.
///
/// A request is entered in the table, then sent; a receive loop on a dedicated thread
/// matches answers by request id and source address and resumes the waiting task. The same
/// loop retransmits unanswered requests (same id, same bytes) on the retry policy's
/// schedule and fails them with `noAnswer` at the timeout. `close()` fails whatever is
/// waiting and stops the loop within one poll interval; the socket is closed when the loop
/// has let go of it.
final class ClientTransport: Sendable {
    /// The longest single wait in `poll`, so that `close()` stops the loop promptly.
    static let pollIntervalMilliseconds: Int64 = 25
    /// Most datagrams read in a row before timers are looked at again.
    static let receiveBurst = 256

    private let socket: SharedSocket
    /// The wire format, with the cluster key if any.
    private let codec: ClientCodec
    private let table: Mutex<RequestTable>
    /// The cookie each node gave this client (docs/PROTOCOL.md, "Trust"), sent with every
    /// later request to it so that its answers are not limited to 3 times the request.
    private let cookies = Mutex(ClientCookies())
    /// Nodes that refused this client's cluster-key authentication, until when and why: a
    /// node answers such refusals at most once a second, so for that long the client fails
    /// every request to it at once with the same error instead of waiting for its timeout.
    private let refusedBy = Mutex(BoundedDictionary<NodeAddress, (until: Int64, error: ChordClientError)>(capacity: 256))
    /// How long a refusal applies to every request to its node.
    static let refusalMemory = Nanos.seconds(1)
    private let running = Atomic<Bool>(true)
    private let ids = RequestIDs()
    /// How long a request may wait for its answer.
    let timeout: Duration
    private let timeoutNanoseconds: Int64
    /// When unanswered requests are sent again.
    let retry: RetryPolicy

    /// The address the socket is bound to (the wildcard address of its family).
    var localAddress: NodeAddress { socket.socket.localAddress }

    /// Binds an ephemeral socket of `family` and starts the receive loop. With `clusterKey`,
    /// every request is authenticated and only authenticated answers count.
    init(family: NodeAddress.Family, timeout: Duration, retry: RetryPolicy, clusterKey: ClusterKey?)
        throws(ChordClientError) {
        codec = ClientCodec(key: clusterKey)
        table = Mutex(RequestTable(codec: codec))
        let wildcard = family == .ipv4
            ? NodeAddress(ipv4: 0, port: 0) : NodeAddress(ipv6High: 0, ipv6Low: 0, port: 0)
        do {
            socket = SharedSocket(try UDPSocket(binding: wildcard))
        } catch {
            throw .socketFailure(error)
        }
        self.timeout = timeout
        self.timeoutNanoseconds = max(1, timeout.nanosecondsClamped)
        self.retry = retry
        do {
            try DetachedThread.start { [self] in receiveLoop() }
        } catch {
            throw .socketFailure(error)
        }
    }

    /// Requests in flight (for tests).
    var pendingCount: Int { table.withLock { $0.count } }

    /// Sends `message` to `destination` (retransmitting as needed) and waits for the answer
    /// with the same request id from that address.
    func request(_ message: Message, to destination: NodeAddress)
        async throws(ChordClientError) -> (envelope: Envelope, source: NodeAddress) {
        if let refusal = refusedBy.withLock({ $0[destination] }), MonotonicClock.now().nanoseconds < refusal.until {
            throw refusal.error
        }
        let id = ids.next()
        // Until the node gives this client a cookie, it sends cookie 0 (never a valid one):
        // the smallest request is then 21 bytes, more than the node's shortest refusal
        // (14 bytes), which it sends only when no larger than the request.
        let cookie = cookies.withLock { $0.cookie(of: destination) } ?? 0
        let envelope = Envelope(requestID: id, cookie: cookie, sender: nil, message: message)
        let outcome = await withTaskCancellationHandler {
            await withUnsafeContinuation { continuation in
                begin(id: id, envelope: envelope, destination: destination, continuation: continuation)
            }
        } onCancel: {
            fail(id, with: .cancelled)
        }
        switch outcome {
        case .answered(let envelope, let source): return (envelope, source)
        case .failed(let error): throw error
        }
    }

    /// Fails every waiting request with `closed` and stops the receive loop.
    func close() {
        running.store(false, ordering: .releasing)
        let waiting = table.withLock { $0.close() }
        for continuation in waiting { continuation.resume(returning: .failed(.closed)) }
    }

    // MARK: Sending

    private func begin(id: UInt64, envelope: Envelope, destination: NodeAddress,
                       continuation: RequestContinuation) {
        let now = MonotonicClock.now().nanoseconds
        let first = retry.firstInterval
        let datagram = codec.encode(envelope)
        let request = PendingRequest(destination: destination, envelope: envelope, datagram: datagram, encodedAt: now,
                                     continuation: continuation,
                                     deadline: now + timeoutNanoseconds, nextTransmission: now + first,
                                     interval: first)
        guard table.withLock({ $0.insert(request, id: id) }) else {
            continuation.resume(returning: .failed(.closed))
            return
        }
        if Task.isCancelled {
            fail(id, with: .cancelled)
            return
        }
        if let error = send(datagram, to: destination) { fail(id, with: .socketFailure(error)) }
    }

    /// Sends one datagram; returns the error unless it is transient (a full buffer: the
    /// retransmission will try again).
    private func send(_ datagram: [UInt8], to destination: NodeAddress) -> SystemError? {
        do {
            try socket.socket.send(datagram, to: destination)
            return nil
        } catch {
            return error.isTransientSendFailure ? nil : error
        }
    }

    private func fail(_ id: UInt64, with error: ChordClientError) {
        table.withLock { $0.take(id) }?.resume(returning: .failed(error))
    }

    // MARK: Receiving and timers

    private func receiveLoop() {
        var buffer = [UInt8](repeating: 0, count: WireFormat.maximumDatagramBytes + 1)
        var expired: [RequestContinuation] = []
        var resend: [(destination: NodeAddress, datagram: [UInt8])] = []
        while running.load(ordering: .acquiring) {
            let now = MonotonicClock.now().nanoseconds
            let earliestDue = table.withLock { table in
                table.collectDue(now: now, policy: retry, expired: &expired, resend: &resend)
                return table.earliestDue
            }
            if !expired.isEmpty || !resend.isEmpty {
                for continuation in expired { continuation.resume(returning: .failed(.noAnswer(after: timeout))) }
                for (destination, datagram) in resend { _ = send(datagram, to: destination) }
                expired.removeAll(keepingCapacity: true)
                resend.removeAll(keepingCapacity: true)
            }
            let untilDue = min(max(0, earliestDue &- now), Self.pollIntervalMilliseconds * 1_000_000)
            let wait = (untilDue + 999_999) / 1_000_000
            let readable: Bool
            do {
                readable = try socket.socket.waitUntilReadable(timeoutMilliseconds: Int32(wait))
            } catch {
                // A failing poll would otherwise spin this thread; pause for one poll interval.
                MonotonicClock.sleep(nanoseconds: Self.pollIntervalMilliseconds * 1_000_000)
                continue
            }
            guard readable else { continue }
            buffer.withUnsafeMutableBytes { receiveWaiting(into: $0) }
        }
    }

    /// Reads the waiting datagrams (up to a burst) and hands each answer to its request.
    private func receiveWaiting(into buffer: UnsafeMutableRawBufferPointer) {
        for _ in 0..<Self.receiveBurst {
            guard let (count, source) = try? socket.socket.receive(into: buffer) else { return }
            guard count < buffer.count else { continue }
            let envelope: Envelope
            switch codec.read(UnsafeRawBufferPointer(rebasing: buffer[0..<count])) {
            case .ignored:
                continue
            case .authenticationFailure(let requestID, let error):
                // A refusal of one of our requests applies to every request to that node.
                let refused = table.withLock { table -> [RequestContinuation] in
                    guard table.isWaiting(requestID, on: source) else { return [] }
                    return table.takeAll(to: source)
                }
                guard !refused.isEmpty else { continue }
                let until = MonotonicClock.now().nanoseconds + Self.refusalMemory
                refusedBy.withLock { $0.set((until, error), for: source) }
                for continuation in refused { continuation.resume(returning: .failed(error)) }
                continue
            case .answer(let answer):
                envelope = answer
            }
            if let cookie = envelope.cookie {
                if table.withLock({ $0.isWaiting(envelope.requestID, on: source) }) {
                    cookies.withLock { $0.learn(cookie, from: source) }
                }
                // The node withheld its answer until this client proves it receives at its
                // address: send the request again, with the cookie (same request id, so a
                // write the node already applied is answered from its reply cache).
                if envelope.message == .error(.retryWithCookie),
                   let again = table.withLock({
                       $0.retry(envelope.requestID, from: source, cookie: cookie, now: MonotonicClock.now().nanoseconds)
                   }) {
                    _ = send(again, to: source)
                    continue
                }
            }
            let continuation = table.withLock { $0.takeAnswered(envelope.requestID, from: source) }
            continuation?.resume(returning: .answered(envelope, from: source))
        }
    }
}

/// The socket, shared by the receive thread and the tasks that send.
///
/// `UDPSocket` is documented as one-owner because it is not synchronised, but it holds only
/// immutable properties (descriptor, bound address) and its `send`/`receive` are single
/// system calls, which the kernel serialises per socket. Sending from several threads while
/// one thread receives is therefore safe; nothing here mutates the socket object.
final class SharedSocket: @unchecked Sendable {
    /// The socket.
    let socket: UDPSocket

    /// Wraps `socket`, which nobody else may use.
    init(_ socket: UDPSocket) { self.socket = socket }
}

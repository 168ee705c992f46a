import ChordCore

/// What a waiting request is resumed with: the answer and where it came from, or a failure.
enum RequestOutcome: Sendable {
    /// An answer with the request's id, from the address the request went to.
    case answered(Envelope, from: NodeAddress)
    /// No answer will come.
    case failed(ChordClientError)
}

/// The continuation a request waits on.
typealias RequestContinuation = UnsafeContinuation<RequestOutcome, Never>

/// One request in flight: where it went, its datagram (kept for retransmission) and when
/// to retransmit it or give up. Times are monotonic nanoseconds.
struct PendingRequest {
    /// Where the request went; only answers from there count.
    let destination: NodeAddress
    /// The request (to encode it again with a cookie, or with a fresh timestamp).
    var envelope: Envelope
    /// The encoded request, sent again unchanged (same request id; with a cluster key, sealed
    /// again with a fresh timestamp when it gets old).
    var datagram: [UInt8]
    /// When `datagram` was encoded.
    var encodedAt: Int64
    /// Times it was sent again because the node asked for its cookie.
    var cookieRetries = 0
    /// The waiting task.
    let continuation: RequestContinuation
    /// When the request fails with `noAnswer`.
    let deadline: Int64
    /// When the request is sent again.
    var nextTransmission: Int64
    /// The wait before `nextTransmission` (grows by the retry policy).
    var interval: Int64

    /// The earliest instant this request needs attention.
    var due: Int64 { min(nextTransmission, deadline) }
}

/// The requests in flight by request id. Not thread-safe: the transport keeps it in a mutex,
/// and every continuation taken out of it is resumed exactly once, outside the lock.
struct RequestTable {
    /// Encodes requests sent again (with a cookie, or sealed afresh).
    let codec: ClientCodec
    private var pending: [UInt64: PendingRequest] = [:]
    /// No request is due before this instant (it may be earlier than needed, never later).
    private(set) var earliestDue: Int64 = .max
    /// Whether the client was closed (nothing more is accepted).
    private(set) var isClosed = false

    /// An empty table whose requests are encoded by `codec`.
    init(codec: ClientCodec = ClientCodec(key: nil)) {
        self.codec = codec
    }

    /// How many requests are in flight.
    var count: Int { pending.count }

    /// Adds a request; false when the table is closed.
    mutating func insert(_ request: PendingRequest, id: UInt64) -> Bool {
        guard !isClosed else { return false }
        pending[id] = request
        earliestDue = min(earliestDue, request.due)
        return true
    }

    /// Whether request `id` is waiting for an answer from `source`.
    func isWaiting(_ id: UInt64, on source: NodeAddress) -> Bool {
        pending[id]?.destination == source
    }

    /// Takes out the request `id` if `source` is where it went (an answer from elsewhere is
    /// ignored, and the request stays).
    mutating func takeAnswered(_ id: UInt64, from source: NodeAddress) -> RequestContinuation? {
        guard let request = pending[id], request.destination == source else { return nil }
        pending[id] = nil
        return request.continuation
    }

    /// The node asked request `id` (sent from `source`'s address) to be sent again with
    /// `cookie`: returns the datagram to send, or nil if the request is unknown, went
    /// elsewhere, or was already retried that way twice.
    mutating func retry(_ id: UInt64, from source: NodeAddress, cookie: UInt64, now: Int64) -> [UInt8]? {
        guard var request = pending[id], request.destination == source, request.cookieRetries < 2 else { return nil }
        request.envelope.cookie = cookie
        request.datagram = codec.encode(request.envelope)
        request.encodedAt = now
        request.cookieRetries += 1
        pending[id] = request
        return request.datagram
    }

    /// Takes out every request that went to `destination`.
    mutating func takeAll(to destination: NodeAddress) -> [RequestContinuation] {
        let ids = pending.filter { $0.value.destination == destination }.map(\.key)
        return ids.compactMap { pending.removeValue(forKey: $0)?.continuation }
    }

    /// Takes out the request `id`, whatever its state (cancellation, send failure).
    mutating func take(_ id: UInt64) -> RequestContinuation? {
        pending.removeValue(forKey: id)?.continuation
    }

    /// Closes the table and takes out every request.
    mutating func close() -> [RequestContinuation] {
        isClosed = true
        earliestDue = .max
        let all = pending.values.map(\.continuation)
        pending.removeAll()
        return all
    }

    /// Handles what is due at `now`: requests past their deadline are taken out into
    /// `expired`; requests due for retransmission are rescheduled and their datagrams
    /// appended to `resend` (sealed again first when old, with a cluster key).
    mutating func collectDue(now: Int64, policy: RetryPolicy, expired: inout [RequestContinuation],
                             resend: inout [(destination: NodeAddress, datagram: [UInt8])]) {
        guard now >= earliestDue else { return }
        var earliest = Int64.max
        for id in Array(pending.keys) {
            guard var request = pending[id] else { continue }
            if now >= request.deadline {
                pending[id] = nil
                expired.append(request.continuation)
                continue
            }
            if now >= request.nextTransmission {
                if codec.key != nil && now - request.encodedAt >= ClientCodec.resealAfter {
                    request.datagram = codec.encode(request.envelope)
                    request.encodedAt = now
                }
                resend.append((request.destination, request.datagram))
                request.interval = policy.nextInterval(after: request.interval)
                request.nextTransmission = now + request.interval
                pending[id] = request
            }
            earliest = min(earliest, request.due)
        }
        earliestDue = earliest
    }
}

import ChordCore
import ChordNet
import ChordWire

/// A client of a Chord DHT: sends get, put, remove, lookup traces and info requests over
/// UDP to one ring member (the "via" node), which coordinates them.
///
/// Thread-safe, and cheap per request: any number of tasks may have requests in flight at
/// once on the client's one socket. Each request carries a fresh random 64-bit request id;
/// an unanswered request is retransmitted with the same id (200 ms, 400 ms, 800 ms, then
/// every second by default) until the timeout, when it fails with `noAnswer`. Answers are
/// matched by request id and by the address the request went to; anything else is ignored.
///
/// ```swift
/// let client = try ChordClient(via: try NodeAddress(parsing: "127.0.0.1:4000"))
/// defer { client.close() }
/// try await client.put("user:42", Array("Ada".utf8))
/// let value = try await client.get("user:42")   // [UInt8]? (nil: not found)
/// ```
public final class ChordClient: Sendable {
    /// The node every request goes to (except `info(of:)` of another node, and the walk of
    /// `ring()`).
    public let via: NodeAddress
    let transport: ClientTransport

    /// A client of the ring `via` belongs to. Binds an ephemeral UDP socket of `via`'s family
    /// and starts the thread that receives answers. `timeout` bounds each request, its
    /// retransmissions included; `retry` says when to retransmit. With `clusterKey` (the ring's
    /// key, docs/PROTOCOL.md "Cluster key"), every request is authenticated and only
    /// authenticated answers are believed; a node that refuses the key (or has none) makes the
    /// request fail at once with `authenticationFailed`.
    public init(via: NodeAddress, timeout: Duration = .seconds(5), retry: RetryPolicy = .standard,
                clusterKey: ClusterKey? = nil) throws(ChordClientError) {
        self.via = via
        self.transport = try ClientTransport(family: via.family, timeout: timeout, retry: retry, clusterKey: clusterKey)
    }

    deinit {
        transport.close()
    }

    /// How long each request may wait for its answer.
    public var timeout: Duration { transport.timeout }

    /// The local address of the client's socket (the wildcard address and the chosen port).
    public var localAddress: NodeAddress { transport.localAddress }

    /// Fails every request in flight with `closed`, refuses new ones and stops the receive
    /// thread (within a few tens of milliseconds). Calling it again does nothing.
    public func close() {
        transport.close()
    }

    /// Sends `message` to `node` and returns the answering peer and its answer. An `.error`
    /// answer is thrown as the error its status stands for.
    func call(_ message: Message, to node: NodeAddress) async throws(ChordClientError) -> (node: Peer, answer: Message) {
        let (envelope, source) = try await transport.request(message, to: node)
        if case .error(let status) = envelope.message {
            throw ChordClientError(status: status) ?? .unexpectedAnswer("error(\(status))")
        }
        return (envelope.sender ?? Peer(address: source), envelope.message)
    }
}

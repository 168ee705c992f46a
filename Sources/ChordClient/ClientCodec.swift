import ChordCore
import ChordNet
import ChordWire

/// How the client turns requests into datagrams and datagrams into answers: the wire format,
/// authenticated with the cluster key when the client has one (docs/CLIENT.md, "Cluster key").
///
/// With a key, only answers with a valid tag and timestamp count, with two exceptions that
/// let a misconfigured client fail fast instead of waiting out its timeout: an untagged
/// `error(authentication failed)` (the node's key differs) or `error(no cluster key)` (the node
/// has none), and a correctly tagged `error(authentication failed)` whose timestamp is outside
/// the replay window (the clocks differ). These are not authenticated, so whoever can forge the
/// node's address can make a request fail early with them; no other answer is believed.
struct ClientCodec: Sendable {
    /// The cluster key, if the client has one.
    let key: ClusterKey?

    /// A request still waiting after this long is sealed again with a fresh timestamp before
    /// it is retransmitted, so that a long timeout never carries it out of the replay window.
    static let resealAfter = Nanos.seconds(10)

    /// What a received datagram means to the client.
    enum Incoming {
        /// An answer (its request still to be matched).
        case answer(Envelope)
        /// The node refused request `requestID` for its authentication: fail it with `error`.
        case authenticationFailure(requestID: UInt64, ChordClientError)
        /// Not for us, malformed, or not believable: ignore it.
        case ignored
    }

    /// The datagram for `envelope`, stamped with the current time when there is a key.
    func encode(_ envelope: Envelope) -> [UInt8] {
        WireFormat.encode(envelope, key: key, unixMilliseconds: Self.wallMilliseconds())
    }

    /// Reads a received datagram.
    func read(_ bytes: UnsafeRawBufferPointer) -> Incoming {
        let envelope: Envelope
        do {
            envelope = try WireFormat.decode(bytes, key: key, unixMilliseconds: Self.wallMilliseconds())
        } catch .missingTag {
            // Only the node's refusal is believed without a tag.
            guard let untagged = try? WireFormat.decode(bytes), case .error(let status) = untagged.message,
                  status == .authenticationFailed || status == .noClusterKey else { return .ignored }
            return .authenticationFailure(requestID: untagged.requestID, Self.failure(status, clientHasKey: true))
        } catch .staleTimestamp(let skew) {
            // The right key, the wrong time: said only by a node with the same key.
            guard let key, let (stale, _) = try? WireFormat.decodeIgnoringReplayWindow(bytes, key: key),
                  stale.message == .error(.authenticationFailed) else { return .ignored }
            return .authenticationFailure(requestID: stale.requestID, Self.clockFailure(skewMilliseconds: skew))
        } catch {
            return .ignored
        }
        guard envelope.message.isResponse else { return .ignored }
        if case .error(let status) = envelope.message, status == .authenticationFailed || status == .noClusterKey {
            // Tagged and fresh, the node still refused the time (the clocks are near the edge
            // of the window); untagged from a node without a key to a client without one.
            return .authenticationFailure(requestID: envelope.requestID,
                                          key != nil && status == .authenticationFailed
                                              ? Self.clockFailure(skewMilliseconds: nil)
                                              : Self.failure(status, clientHasKey: key != nil))
        }
        return .answer(envelope)
    }

    /// The error for a node's refusal with `status`.
    static func failure(_ status: Status, clientHasKey: Bool) -> ChordClientError {
        if status == .noClusterKey { return .authenticationFailed("the node has no cluster key; run without --cluster-key-file") }
        return .authenticationFailed(clientHasKey
                                         ? "the cluster key does not match the node's"
                                         : "the node requires a cluster key (--cluster-key-file)")
    }

    /// The error for a node that refused the request's time: its clock is `skewMilliseconds`
    /// ahead of this host's (negative: behind), when known.
    static func clockFailure(skewMilliseconds: Int64?) -> ChordClientError {
        let window = WireFormat.replayWindowMilliseconds / 1000
        guard let skew = skewMilliseconds else {
            return .authenticationFailed("the node refused this request's timestamp: "
                                         + "the clocks differ by about \(window) s or more")
        }
        let seconds = skew.magnitude / 1000
        return .authenticationFailed("the node's clock is \(seconds) s \(skew > 0 ? "ahead of" : "behind") this host's, "
                                     + "beyond the \(window) s replay window")
    }

    /// Unix time in milliseconds.
    static func wallMilliseconds() -> UInt64 {
        UInt64(clamping: WallClock.unixNanoseconds() / 1_000_000)
    }
}

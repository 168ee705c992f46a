import ChordCore
import ChordNet
import ChordWire

/// The wire codec chord-node sends and receives with: the binary protocol of
/// docs/PROTOCOL.md (module ChordWire), seen through the shell's `DatagramCodec`, with the
/// cluster key when the node has one.
///
/// With a key, every datagram sent is authenticated, and every one received must carry a
/// valid tag and a timestamp within the replay window, checked before the body is read.
/// A refused request is answered (by the runner, rate-limited, never larger than the request):
/// `error(authentication failed)` without a tag when the key is missing or wrong, the same
/// with a tag when only the time is off (so that a client with the right key can say its
/// clock is wrong); on a node without a key, `error(no cluster key)` to a tagged request.
struct WireCodecAdapter: DatagramCodec {
    /// The cluster key, if the node has one.
    let clusterKey: ClusterKey?

    var maximumDatagramBytes: Int { WireFormat.maximumDatagramBytes }

    func encode(_ envelope: Envelope, unixMilliseconds: UInt64, into buffer: inout [UInt8]) {
        WireFormat.encode(envelope, key: clusterKey, unixMilliseconds: unixMilliseconds, into: &buffer)
    }

    func decode(_ bytes: UnsafeRawBufferPointer, unixMilliseconds: UInt64) throws(DatagramRejection) -> Envelope {
        do {
            return try WireFormat.decode(bytes, key: clusterKey, unixMilliseconds: unixMilliseconds)
        } catch {
            throw rejection(error, bytes)
        }
    }

    func encodeRefusal(_ refusal: DatagramRefusal, unixMilliseconds: UInt64, into buffer: inout [UInt8]) {
        let envelope = Envelope(requestID: refusal.requestID, sender: nil, message: .error(refusal.status))
        WireFormat.encode(envelope, key: refusal.authenticated ? clusterKey : nil, unixMilliseconds: unixMilliseconds,
                          into: &buffer)
    }

    /// What the runner should count and answer for a datagram refused with `error`.
    private func rejection(_ error: WireError, _ bytes: UnsafeRawBufferPointer) -> DatagramRejection {
        let kind: DatagramRejection.Kind
        let status: Status
        var authenticated = false
        switch error {
        case .missingTag, .badTag:
            (kind, status) = (.unauthenticated, .authenticationFailed)
        case .unexpectedTag:
            (kind, status) = (.unauthenticated, .noClusterKey)
        case .staleTimestamp:
            (kind, status, authenticated) = (.stale, .authenticationFailed, true)
        default:
            return DatagramRejection(.malformed, reason: error.description)
        }
        var refusal: DatagramRefusal?
        if let header = WireFormat.header(of: bytes), WireFormat.isRequest(typeCode: header.typeCode) {
            refusal = DatagramRefusal(requestID: header.requestID, status: status, authenticated: authenticated)
        }
        return DatagramRejection(kind, refusal: refusal, reason: error.description)
    }
}

import ChordCore
import ChordNet
import ChordWire
import Synchronization
import Testing
@testable import ChordClient

private let key = try! ClusterKey(bytes: Array("client-test-key-0123456789".utf8))
private let otherKey = try! ClusterKey(bytes: Array("client-test-key-9876543210".utf8))

/// What a client believes with and without a cluster key, and how fast it hears that the key
/// is wrong.
@Suite struct ClusterKeyTests {
    private func read(_ bytes: [UInt8], key: ClusterKey?) -> ClientCodec.Incoming {
        bytes.withUnsafeBytes { ClientCodec(key: key).read($0) }
    }

    private func envelope(_ message: Message, id: UInt64 = 9) -> Envelope {
        Envelope(requestID: id, sender: nil, message: message)
    }

    private func failure(_ incoming: ClientCodec.Incoming) -> (UInt64, String)? {
        guard case .authenticationFailure(let id, .authenticationFailed(let text)) = incoming else { return nil }
        return (id, text)
    }

    @Test func aKeyedClientBelievesOnlyTaggedAnswersAndTheTwoRefusals() throws {
        let now = ClientCodec.wallMilliseconds()
        let tagged = WireFormat.encode(envelope(.result(status: .ok, value: [1])), key: key, unixMilliseconds: now)
        guard case .answer(let answer) = read(tagged, key: key) else { Issue.record("a tagged answer was refused"); return }
        #expect(answer.message == .result(status: .ok, value: [1]))
        // Untagged, or tagged with another key: ignored, except the refusals.
        if case .ignored = read(WireFormat.encode(envelope(.result(status: .ok, value: [1]))), key: key) {} else {
            Issue.record("an untagged answer was believed")
        }
        if case .ignored = read(WireFormat.encode(envelope(.pong), key: otherKey, unixMilliseconds: now), key: key) {} else {
            Issue.record("an answer under another key was believed")
        }
        let wrongKey = try #require(failure(read(WireFormat.encode(envelope(.error(.authenticationFailed))), key: key)))
        #expect(wrongKey.0 == 9 && wrongKey.1 == "the cluster key does not match the node's")
        let keyless = try #require(failure(read(WireFormat.encode(envelope(.error(.noClusterKey), id: 3)), key: key)))
        #expect(keyless.0 == 3 && keyless.1 == "the node has no cluster key; run without --cluster-key-file")
        if case .ignored = read(WireFormat.encode(envelope(.error(.overloaded))), key: key) {} else {
            Issue.record("an untagged error other than the two refusals was believed")
        }
    }

    @Test func aKeylessClientIgnoresTaggedDatagramsAndHearsTheNodeWantsAKey() throws {
        let now = ClientCodec.wallMilliseconds()
        if case .ignored = read(WireFormat.encode(envelope(.pong), key: key, unixMilliseconds: now), key: nil) {} else {
            Issue.record("a tagged answer was believed without a key")
        }
        let refused = try #require(failure(read(WireFormat.encode(envelope(.error(.authenticationFailed))), key: nil)))
        #expect(refused.1 == "the node requires a cluster key (--cluster-key-file)")
    }

    /// A node with the same key that refused the time: its tagged refusal, stale here too,
    /// says by how much the clocks differ. Any other stale datagram is ignored.
    @Test func aStaleTaggedRefusalNamesTheClockSkew() throws {
        let now = ClientCodec.wallMilliseconds()
        let ahead = WireFormat.encode(envelope(.error(.authenticationFailed)), key: key, unixMilliseconds: now + 120_000)
        let skew = try #require(failure(read(ahead, key: key)))
        #expect(skew.1.hasPrefix("the node's clock is 1") && skew.1.contains("s ahead of this host's"), "\(skew.1)")
        let behind = WireFormat.encode(envelope(.error(.authenticationFailed)), key: key, unixMilliseconds: now - 45_000)
        #expect(try #require(failure(read(behind, key: key))).1.contains("behind"))
        if case .ignored = read(WireFormat.encode(envelope(.pong), key: key, unixMilliseconds: now - 45_000), key: key) {} else {
            Issue.record("a stale answer was believed")
        }
    }

    @Test func aKeyedClientAndNodeTalk() async throws {
        let node = try FakeNode(clusterKey: key) { request, node in
            node.answer(request, with: .result(status: .ok, value: bytes("sealed")))
        }
        defer { node.stop() }
        let client = try ChordClient(via: node.address, retry: fastRetry, clusterKey: key)
        defer { client.close() }
        #expect(try await client.get("k") == bytes("sealed"))
        let received = await node.requests(count: 1)
        #expect(received.first?.envelope.cookie == 0, "a first request carries cookie 0")
    }

    /// An untagged refusal fails the request at once, not at the timeout (with `noAnswer`).
    @Test(arguments: [(key as ClusterKey?, Status.authenticationFailed, "the cluster key does not match the node's"),
                      (nil, .authenticationFailed, "the node requires a cluster key (--cluster-key-file)"),
                      (key, .noClusterKey, "the node has no cluster key; run without --cluster-key-file")])
    func aRefusalFailsTheRequestAtOnce(clientKey: ClusterKey?, status: Status, text: String) async throws {
        // A keyless fake node sees only untagged requests; answer whatever arrives, raw.
        let node = try FakeNode.refusingEverything(with: status)
        defer { node.stop() }
        let client = try ChordClient(via: node.address, timeout: .seconds(30), retry: fastRetry, clusterKey: clientKey)
        defer { client.close() }
        // The refusal, not the 30 s timeout (`noAnswer`): no wall-clock bound here, since a test
        // pool busy with the simulator's tests can delay any await by seconds.
        await #expect(throws: ChordClientError.authenticationFailed(text)) { _ = try await client.get("k") }
        #expect(ChordClientError.authenticationFailed(text).exitStatus == 5)
    }

    /// A node refuses a source at most once a second: one refusal fails every request to it
    /// in flight, and new ones for a second, at once.
    @Test func oneRefusalFailsEveryRequestToThatNode() async throws {
        // Answers one refusal, once three different requests have arrived (so that all three
        // are in flight), and nothing else.
        let seen = Mutex<Set<UInt64>?>([])
        let node = try RawResponder { bytes in
            guard let header = bytes.withUnsafeBytes({ WireFormat.header(of: $0) }),
                  seen.withLock({ ids -> Bool in
                      guard ids != nil else { return false }
                      ids!.insert(header.requestID)
                      guard ids!.count == 3 else { return false }
                      ids = nil
                      return true
                  }) else { return nil }
            return WireFormat.encode(Envelope(requestID: header.requestID, sender: nil, message: .error(.authenticationFailed)))
        }
        defer { node.stop() }
        let client = try ChordClient(via: node.address, timeout: .seconds(30), retry: fastRetry)
        defer { client.close() }
        let expected = ChordClientError.authenticationFailed("the node requires a cluster key (--cluster-key-file)")
        let errors = await withTaskGroup(of: ChordClientError?.self) { group in
            for key in ["a", "b", "c"] {
                group.addTask {
                    do throws(ChordClientError) {
                        _ = try await client.get(key)
                        return nil
                    } catch {
                        return error
                    }
                }
            }
            var errors: [ChordClientError?] = []
            for await error in group { errors.append(error) }
            return errors
        }
        #expect(errors == [expected, expected, expected])
        // Within the next second a new request fails at once, unsent (the node would not
        // answer it); on a machine too loaded to ask within the second, it would time out.
        let refusedAt = ContinuousClock.now
        let fourth = await Task { () -> ChordClientError? in
            do throws(ChordClientError) {
                _ = try await client.get("d")
                return nil
            } catch {
                return error
            }
        }.value
        if ContinuousClock.now - refusedAt < .seconds(1) { #expect(fourth == expected) }
    }

    /// A request waiting long with a key is sealed again before it is sent again, so that its
    /// timestamp stays inside the node's window.
    @Test func oldRequestsAreSealedAgain() async {
        let policy = RetryPolicy(initialInterval: .seconds(1), maximumInterval: .seconds(1))
        let destination = NodeAddress(ipv4: 0x7F00_0001, port: 9)
        let codec = ClientCodec(key: key)
        let outcome = await withUnsafeContinuation { (continuation: RequestContinuation) in
            var table = RequestTable(codec: codec)
            let envelope = Envelope(requestID: 7, cookie: 0, sender: nil, message: .getInfo)
            let stale = WireFormat.encode(envelope, key: key, unixMilliseconds: 1)
            let request = PendingRequest(destination: destination, envelope: envelope, datagram: stale, encodedAt: 0,
                                         continuation: continuation, deadline: Nanos.seconds(60),
                                         nextTransmission: Nanos.seconds(5), interval: Nanos.seconds(1))
            _ = table.insert(request, id: 7)
            var expired: [RequestContinuation] = []
            var resend: [(destination: NodeAddress, datagram: [UInt8])] = []
            table.collectDue(now: Nanos.seconds(5), policy: policy, expired: &expired, resend: &resend)
            #expect(resend.first?.datagram == stale, "5 s old: sent unchanged")
            table.collectDue(now: Nanos.seconds(10), policy: policy, expired: &expired, resend: &resend)
            let resealed = resend.last?.datagram ?? []
            #expect(resealed != stale)
            #expect((try? WireFormat.decode(resealed, key: key, unixMilliseconds: ClientCodec.wallMilliseconds())) == envelope)
            table.take(7)?.resume(returning: .failed(.closed))
        }
        guard case .failed(.closed) = outcome else {
            Issue.record("expected the request's continuation")
            return
        }
    }
}

extension FakeNode {
    /// A node that answers every datagram, tagged or not, with an untagged `error(status)`
    /// under its request id (as a node with another key, or none, does).
    static func refusingEverything(with status: Status) throws -> RawResponder {
        try RawResponder { bytes in
            guard let header = bytes.withUnsafeBytes({ WireFormat.header(of: $0) }) else { return nil }
            return WireFormat.encode(Envelope(requestID: header.requestID, sender: nil, message: .error(status)))
        }
    }
}

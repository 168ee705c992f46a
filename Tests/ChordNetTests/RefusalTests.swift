import ChordCore
import Testing
@testable import ChordNet

/// Datagrams a codec refuses for their authentication: counted, and answered at most once a
/// second to each source, never with more bytes than came in; malformed ones never answered.
@Suite struct RefusalTests {
    private final class Harness {
        let clock = FakeClock()
        let socket: FakeSocket
        let codec = TokenCodec()
        let runner: NodeRunner<FakeSocket, FakeClock>

        init() throws {
            socket = FakeSocket(localAddress: NodeAddress(ipv4: 0x0A00_0001, port: 4000), clock: clock)
            runner = try NodeRunner(socket: socket, clock: clock, seed: 1, codec: codec, logger: .silent,
                                    options: quietRunnerOptions())
            runner.start(bootstrap: nil)
        }

        /// Delivers `bytes` from `source` and lets the runner read them (no time passes).
        func deliver(_ bytes: [UInt8], from source: NodeAddress) {
            socket.deliver(bytes, from: source)
            _ = runner.runOnce(maximumWait: 0)
        }

        /// Everything sent so far, decoded (the codec redeems each ticket once).
        private var decoded: [(peer: NodeAddress, envelope: Envelope)] = []

        /// The answers sent to `destination` so far, decoded.
        func answers(to destination: NodeAddress) throws -> [Envelope] {
            for datagram in socket.sent[decoded.count...] {
                decoded.append((datagram.peer, try datagram.bytes.withUnsafeBytes { try codec.decode($0) }))
            }
            return decoded.filter { $0.peer == destination }.map(\.envelope)
        }
    }

    static let source = NodeAddress(ipv4: 0x0A00_0002, port: 5000)
    static let other = NodeAddress(ipv4: 0x0A00_0003, port: 5000)

    @Test func aRefusedRequestIsCountedAndAnswered() throws {
        let harness = try Harness()
        harness.deliver(TokenCodec.refusedRequest(TokenCodec.unauthenticatedMagic, requestID: 42), from: Self.source)
        #expect(harness.runner.traffic.unauthenticatedDropped == 1)
        #expect(harness.runner.traffic.refusalsSent == 1)
        #expect(try harness.answers(to: Self.source) == [Envelope(requestID: 42, sender: nil, message: .error(.authenticationFailed))])
        #expect(harness.runner.control.status.node.requestsHandled == 0, "the core never saw it")
    }

    @Test func staleRequestsAreCountedApart() throws {
        let harness = try Harness()
        harness.deliver(TokenCodec.refusedRequest(TokenCodec.staleMagic, requestID: 7), from: Self.source)
        #expect(harness.runner.traffic.staleDropped == 1)
        #expect(harness.runner.traffic.unauthenticatedDropped == 0)
        #expect(harness.runner.traffic.refusalsSent == 1)
    }

    /// A source is answered at most once a second, however much it sends; another source has
    /// its own second.
    @Test func atMostOneAnswerASecondToEachSource() throws {
        let harness = try Harness()
        for id in 0..<10 {
            harness.deliver(TokenCodec.refusedRequest(TokenCodec.unauthenticatedMagic, requestID: UInt64(id)), from: Self.source)
        }
        harness.deliver(TokenCodec.refusedRequest(TokenCodec.unauthenticatedMagic, requestID: 100), from: Self.other)
        #expect(harness.runner.traffic.unauthenticatedDropped == 11)
        #expect(try harness.answers(to: Self.source).map(\.requestID) == [0])
        #expect(try harness.answers(to: Self.other).map(\.requestID) == [100])

        harness.clock.advance(by: Nanos.milliseconds(999))
        harness.deliver(TokenCodec.refusedRequest(TokenCodec.unauthenticatedMagic, requestID: 11), from: Self.source)
        #expect(try harness.answers(to: Self.source).map(\.requestID) == [0])
        harness.clock.advance(by: Nanos.milliseconds(1))
        harness.deliver(TokenCodec.refusedRequest(TokenCodec.unauthenticatedMagic, requestID: 12), from: Self.source)
        #expect(try harness.answers(to: Self.source).map(\.requestID) == [0, 12])
        #expect(harness.runner.traffic.refusalsSent == 3)
    }

    /// An answer larger than the refused datagram is not sent (a 12-byte ticket answers a
    /// 12-byte request, not a 6-byte one).
    @Test func neverMoreBytesThanReceived() throws {
        let harness = try Harness()
        harness.deliver(TokenCodec.unauthenticatedMagic + [1, 2], from: Self.source)
        #expect(harness.runner.traffic.unauthenticatedDropped == 1)
        #expect(harness.runner.traffic.refusalsSent == 0)
        #expect(harness.socket.sent.isEmpty)
    }

    @Test func malformedDatagramsAreNeverAnswered() throws {
        let harness = try Harness()
        for bytes: [UInt8] in [[], [1, 2, 3], Array("TKN1".utf8) + [UInt8](repeating: 9, count: 8)] {
            harness.deliver(bytes, from: Self.source)
        }
        #expect(harness.runner.traffic.malformedDropped == 3)
        #expect(harness.runner.traffic.unauthenticatedDropped == 0)
        #expect(harness.socket.sent.isEmpty)
    }

    /// The per-source table is bounded, and so are the answers in all: a flood from many
    /// sources draws at most `globalBurst` answers a second.
    @Test func aFloodFromManySourcesDrawsABoundedNumberOfAnswers() throws {
        var limiter = RefusalLimiter()
        let now = Instant(nanoseconds: Nanos.seconds(5))
        var admitted = 0
        for port in 1...10_000 where limiter.admit(NodeAddress(ipv4: 0x0A00_0009, port: UInt16(port)), now: now) {
            admitted += 1
        }
        #expect(admitted == RefusalLimiter.globalBurst)
        let later = now + Nanos.seconds(1)
        let again = limiter.admit(NodeAddress(ipv4: 0x0A00_0009, port: 1), now: later)
        #expect(again)
    }
}

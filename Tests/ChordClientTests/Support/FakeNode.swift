import ChordCore
import ChordNet
import ChordWire
import Foundation
import Synchronization

/// A request as the fake node received it.
struct ReceivedRequest: Sendable {
    let envelope: Envelope
    let source: NodeAddress
    /// How many datagrams with this request id arrived before this one.
    let earlierCopies: Int
}

/// An in-process stand-in for a chord-node on 127.0.0.1: a UDP socket served by its own
/// thread, which hands every decoded request to `behavior`. The behaviour answers through
/// the `FakeNode` (now, later, with any id, or not at all). Tests await received requests
/// with `requests(count:)` instead of sleeping.
final class FakeNode: Sendable {
    /// What to do with one request.
    typealias Behavior = @Sendable (ReceivedRequest, FakeNode) -> Void

    /// The node's identity (sender of its answers).
    let peer: Peer
    /// The cluster key it checks requests and seals answers with, if any.
    let clusterKey: ClusterKey?
    private let socket: Shared
    private let behavior: Behavior
    private let state = Mutex(State())
    private let running = Atomic<Bool>(true)

    private struct State {
        var received: [ReceivedRequest] = []
        var copies: [UInt64: Int] = [:]
        var waiters: [(count: Int, deadline: Int64, continuation: CheckedContinuation<[ReceivedRequest], Never>)] = []
    }

    /// Wraps the socket for the serving thread and senders (immutable, system calls only).
    private final class Shared: @unchecked Sendable {
        let socket: UDPSocket
        init(_ socket: UDPSocket) { self.socket = socket }
    }

    /// Starts a fake node on an ephemeral 127.0.0.1 port; with `clusterKey`, it sees only
    /// requests with a valid tag and seals its answers.
    init(clusterKey: ClusterKey? = nil, behavior: @escaping Behavior) throws {
        let udp = try UDPSocket(binding: NodeAddress(ipv4: 0x7F00_0001, port: 0))
        socket = Shared(udp)
        peer = Peer(address: udp.localAddress)
        self.clusterKey = clusterKey
        self.behavior = behavior
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    /// The address clients send to.
    var address: NodeAddress { peer.address }

    /// Stops the serving thread (within a poll interval); pending waiters get what arrived.
    func stop() {
        running.store(false, ordering: .releasing)
    }

    /// Sends `message` as an answer with `requestID` to `destination`, from this node (or
    /// with no sender when `anonymous`).
    func answer(_ message: Message, requestID: UInt64, to destination: NodeAddress, anonymous: Bool = false) {
        let envelope = Envelope(requestID: requestID, sender: anonymous ? nil : peer, message: message)
        send(WireFormat.encode(envelope, key: clusterKey, unixMilliseconds: FakeNode.now()), to: destination)
    }

    /// Sends raw bytes to `destination`.
    func send(_ datagram: [UInt8], to destination: NodeAddress) {
        try? socket.socket.send(datagram, to: destination)
    }

    /// Unix time in milliseconds.
    static func now() -> UInt64 {
        UInt64(WallClock.unixNanoseconds() / 1_000_000)
    }

    /// Answers `request` with `message`.
    func answer(_ request: ReceivedRequest, with message: Message) {
        answer(message, requestID: request.envelope.requestID, to: request.source)
    }

    /// Every request received so far, in order.
    var received: [ReceivedRequest] { state.withLock { $0.received } }

    /// Waits until at least `count` datagrams arrived (or 10 s passed) and returns them all.
    func requests(count: Int, within seconds: Int64 = 10) async -> [ReceivedRequest] {
        await withCheckedContinuation { continuation in
            let deadline = MonotonicClock.now().nanoseconds + seconds * 1_000_000_000
            let ready: [ReceivedRequest]? = state.withLock { state in
                if state.received.count >= count { return state.received }
                state.waiters.append((count, deadline, continuation))
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    private func serve() {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while running.load(ordering: .acquiring) {
            if (try? socket.socket.waitUntilReadable(timeoutMilliseconds: 10)) == true {
                while let (count, source) = try? socket.socket.receive(into: &buffer) {
                    guard count <= buffer.count,
                          let envelope = try? WireFormat.decode(Array(buffer[0..<count]), key: clusterKey,
                                                                unixMilliseconds: FakeNode.now()) else {
                        continue
                    }
                    let request = state.withLock { state in
                        let copies = state.copies[envelope.requestID, default: 0]
                        state.copies[envelope.requestID] = copies + 1
                        let request = ReceivedRequest(envelope: envelope, source: source, earlierCopies: copies)
                        state.received.append(request)
                        return request
                    }
                    behavior(request, self)
                }
            }
            wakeWaiters(all: !running.load(ordering: .acquiring))
        }
        wakeWaiters(all: true)
    }

    private func wakeWaiters(all: Bool) {
        let now = MonotonicClock.now().nanoseconds
        let ready = state.withLock { state in
            var ready: [CheckedContinuation<[ReceivedRequest], Never>] = []
            state.waiters.removeAll { waiter in
                guard all || state.received.count >= waiter.count || now >= waiter.deadline else { return false }
                ready.append(waiter.continuation)
                return true
            }
            return (ready, state.received)
        }
        for continuation in ready.0 { continuation.resume(returning: ready.1) }
    }
}

extension FakeNode {
    /// A node that answers every storage request at once: a get with `value` (nil: not
    /// found), a put or remove with ok.
    static func answering(value: [UInt8]?) throws -> FakeNode {
        try FakeNode { request, node in
            switch request.envelope.message {
            case .get: node.answer(request, with: .result(status: value == nil ? .notFound : .ok, value: value))
            case .put, .remove: node.answer(request, with: .result(status: .ok, value: nil))
            default: node.answer(request, with: .error(.unknownCommand))
            }
        }
    }

    /// A node that never answers.
    static func silent() throws -> FakeNode {
        try FakeNode { _, _ in }
    }
}

import ChordCore
import Testing
@testable import ChordNet

@Suite(.serialized) struct NodeRunnerTests {
    private func makeRunner(codec: any DatagramCodec, seed: UInt64, listen: NodeAddress = anyLoopbackPort)
        throws -> SystemNodeRunner {
        try NodeRunner(listen: listen, config: fastConfig(), seed: seed, codec: codec, logger: .silent,
                       options: quietRunnerOptions())
    }

    /// Whether `a` and `b` form a ring of two: each the other's successor and predecessor.
    private func formRing(_ a: RunnerStatus, _ b: RunnerStatus) -> Bool {
        a.successor == b.me && a.predecessor == b.me && b.successor == a.me && b.predecessor == a.me
    }

    @Test func advertisesTheBoundPortAndItsHash() throws {
        let runner = try makeRunner(codec: TokenCodec(), seed: 1)
        #expect(runner.address.port != 0)
        #expect(runner.id == Identifier.forNode(advertising: runner.address.description))
        #expect(runner.control.status.state == .created)
    }

    @Test func twoRunnersInOneLoopFormARing() throws {
        try formRingInOneLoop(listen: anyLoopbackPort)
    }

    @Test(.enabled(if: ipv6LoopbackAvailable)) func twoIPv6RunnersInOneLoopFormARing() throws {
        try formRingInOneLoop(listen: anyIPv6LoopbackPort)
    }

    private func formRingInOneLoop(listen: NodeAddress) throws {
        let codec = TokenCodec()
        let a = try makeRunner(codec: codec, seed: 1, listen: listen)
        let b = try makeRunner(codec: codec, seed: 2, listen: listen)
        a.start(bootstrap: nil)
        b.start(bootstrap: a.address)
        let deadline = MonotonicClock.now() + Nanos.seconds(10)
        while !formRing(a.control.status, b.control.status) && MonotonicClock.now() < deadline {
            #expect(a.runOnce(maximumWait: Nanos.milliseconds(2)) == nil)
            #expect(b.runOnce(maximumWait: Nanos.milliseconds(2)) == nil)
        }
        #expect(formRing(a.control.status, b.control.status))
        #expect(a.traffic.datagramsSent > 0 && b.traffic.datagramsReceived > 0)
        #expect(a.traffic.malformedDropped == 0 && b.traffic.sendErrors == 0)
    }

    @Test func runnersOnTheirOwnThreadsFormARingAndLeave() async throws {
        let codec = TokenCodec()
        let first = try makeRunner(codec: codec, seed: 3)
        let second = try makeRunner(codec: codec, seed: 4)
        first.start(bootstrap: nil)
        second.start(bootstrap: first.address)
        let a = runOnOwnThread(first)
        let b = runOnOwnThread(second)
        let formed = await eventually { formRing(a.status, b.status) }
        #expect(formed, "a: \(a.status), b: \(b.status)")

        a.requestLeave()
        b.requestLeave()
        let stopped = await eventually { a.status.state == .stopped(.leaveCompleted) && b.status.state == .stopped(.leaveCompleted) }
        #expect(stopped, "a: \(a.status.state), b: \(b.status.state)")
    }

    @Test func malformedDatagramsAreCountedAndTheRunnerGoesOn() async throws {
        let codec = TokenCodec()
        let runner = try makeRunner(codec: codec, seed: 5)
        runner.start(bootstrap: nil)
        let control = runOnOwnThread(runner)
        let client = try UDPSocket(binding: anyLoopbackPort)
        let address = control.status.me.address

        for garbage: [UInt8] in [[], [0xFF], Array("TKN1".utf8) + [9, 9, 9, 9, 9, 9, 9, 9], Array(repeating: 0x55, count: 3000)] {
            try client.send(garbage, to: address)
        }
        #expect(await eventually { control.status.traffic.malformedDropped == 4 }, "\(control.status.traffic)")

        // Still serving: a ping is answered.
        var ping: [UInt8] = []
        codec.encode(Envelope(requestID: 77, sender: nil, message: .ping), into: &ping)
        try client.send(ping, to: address)
        var buffer = [UInt8](repeating: 0, count: 64)
        var reply: Envelope?
        _ = await eventually {
            guard let (count, _) = try? client.receive(into: &buffer) else { return false }
            reply = try? buffer.withUnsafeBytes { try codec.decode(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            return true
        }
        #expect(reply?.requestID == 77 && reply?.message == .pong)
        #expect(control.status.traffic.datagramsReceived == 5)
        #expect(control.status.state == .running)

        control.requestLeave()
        #expect(await eventually { control.status.state == .stopped(.leaveCompleted) })
    }

    @Test func oversizedEncodingsAreDroppedAndCounted() async throws {
        let codec = TokenCodec(maximumDatagramBytes: 8)  // every ticket (12 bytes) is too long
        let runner = try makeRunner(codec: codec, seed: 6)
        runner.start(bootstrap: nil)
        let client = try UDPSocket(binding: anyLoopbackPort)
        var ping: [UInt8] = []
        codec.encode(Envelope(requestID: 5, sender: nil, message: .ping), into: &ping)
        try client.send(ping, to: runner.address)
        let deadline = MonotonicClock.now() + Nanos.seconds(10)
        while runner.traffic.oversizedDropped == 0 && MonotonicClock.now() < deadline {
            _ = runner.runOnce(maximumWait: Nanos.milliseconds(10))
        }
        #expect(runner.traffic.oversizedDropped == 1)
        #expect(runner.traffic.datagramsSent == 0)
    }

    @Test func sendErrorsAreCounted() throws {
        let runner = try makeRunner(codec: TokenCodec(), seed: 7)
        // Joining through an IPv6 bootstrap from an IPv4 socket: every send fails.
        runner.start(bootstrap: NodeAddress(ipv6High: 0, ipv6Low: 1, port: 9))
        _ = runner.runOnce(maximumWait: 0)
        #expect(runner.traffic.sendErrors >= 1)
        #expect(runner.control.status.state == .running)
    }
}

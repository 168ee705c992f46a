import ChordCore
import Testing
@testable import ChordClient

/// Unanswered requests are sent again, unchanged, until the timeout.
@Suite struct RetransmissionTests {
    @Test func aDroppedRequestIsSentAgainWithTheSameID() async throws {
        let node = try FakeNode { request, node in
            guard request.earlierCopies > 0 else { return }  // drop the first datagram
            node.answer(request, with: .result(status: .ok, value: bytes("second time")))
        }
        defer { node.stop() }
        let client = try makeClient(of: node)
        defer { client.close() }
        #expect(try await client.get("k") == bytes("second time"))
        let received = node.received
        #expect(received.count >= 2)
        #expect(Set(received.map(\.envelope.requestID)).count == 1)
        #expect(received.allSatisfy { $0.envelope == received[0].envelope })
    }

    @Test func aLateAnswerToTheFirstDatagramIsTakenAndTheDuplicateIgnored() async throws {
        let node = try FakeNode { request, node in
            // The first datagram is answered only when its retransmission arrives: the late
            // answer, then the answer to the retransmission (a duplicate the client drops).
            guard request.earlierCopies == 1 else { return }
            node.answer(request, with: .result(status: .ok, value: bytes("late")))
            node.answer(request, with: .result(status: .ok, value: bytes("duplicate")))
        }
        defer { node.stop() }
        let client = try makeClient(of: node)
        defer { client.close() }
        #expect(try await client.get("a") == bytes("late"))
        #expect(try await client.get("b") == bytes("late"))
        #expect(client.transport.pendingCount == 0)
    }

    @Test func aSilentNodeGivesNoAnswerAtTheTimeout() async throws {
        let node = try FakeNode.silent()
        defer { node.stop() }
        let client = try makeClient(of: node, timeout: .milliseconds(300))
        defer { client.close() }
        let started = ContinuousClock.now
        await #expect(throws: ChordClientError.noAnswer(after: .milliseconds(300))) {
            try await client.get("k")
        }
        #expect(ContinuousClock.now - started >= .milliseconds(300))
        let received = node.received
        #expect(received.count >= 3)  // sent at 0, 20, 60, 140, 220 ms
        #expect(Set(received.map(\.envelope.requestID)).count == 1)
        #expect(client.transport.pendingCount == 0)
    }

    @Test func theRetryPolicyDoublesUpToItsMaximum() {
        let policy = RetryPolicy.standard
        var interval = policy.firstInterval
        var schedule = [interval]
        for _ in 0..<4 {
            interval = policy.nextInterval(after: interval)
            schedule.append(interval)
        }
        #expect(schedule == [200, 400, 800, 1000, 1000].map { Int64($0) * 1_000_000 })
    }

    @Test func theTableRetransmitsAndExpiresOnSchedule() async {
        let policy = RetryPolicy(initialInterval: .nanoseconds(10), maximumInterval: .nanoseconds(1_000_000))
        let destination = NodeAddress(ipv4: 0x7F00_0001, port: 9)
        let outcome = await withUnsafeContinuation { (continuation: RequestContinuation) in
            var table = RequestTable()
            let request = PendingRequest(destination: destination, envelope: Envelope(requestID: 7, sender: nil, message: .ping),
                                         datagram: [1, 2, 3], encodedAt: 0, continuation: continuation,
                                         deadline: 5_000_000, nextTransmission: 1_000_000, interval: 1_000_000)
            let inserted = table.insert(request, id: 7)
            #expect(inserted)
            #expect(table.earliestDue == 1_000_000)
            var expired: [RequestContinuation] = []
            var resend: [(destination: NodeAddress, datagram: [UInt8])] = []

            table.collectDue(now: 999_999, policy: policy, expired: &expired, resend: &resend)
            #expect(resend.isEmpty && expired.isEmpty)
            table.collectDue(now: 1_000_000, policy: policy, expired: &expired, resend: &resend)
            #expect(resend.count == 1 && resend.first?.datagram == [1, 2, 3] && resend.first?.destination == destination)
            #expect(table.earliestDue == 2_000_000)  // the interval stays at the 1 ms maximum
            let fromElsewhere = table.takeAnswered(7, from: NodeAddress(ipv4: 0x7F00_0001, port: 10))
            #expect(fromElsewhere == nil)
            table.collectDue(now: 5_000_000, policy: policy, expired: &expired, resend: &resend)
            #expect(expired.count == 1 && table.count == 0 && table.earliestDue == .max)
            let afterExpiry = table.takeAnswered(7, from: destination)
            #expect(afterExpiry == nil)
            expired.first?.resume(returning: .failed(.closed))
        }
        guard case .failed(.closed) = outcome else {
            Issue.record("expected the expired request's continuation")
            return
        }
    }
}

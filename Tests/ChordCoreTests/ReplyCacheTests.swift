import Testing
@testable import ChordCore

private let a = ringPeer(1001, top: 0x4000_0000)
private let b = ringPeer(1002, top: 0x8000_0000)
private let c = ringPeer(1003, top: 0xC000_0000)
private let d = ringPeer(1004, top: 0xF000_0000)
/// A client outside the ring.
private let client = NodeAddress(ipv4: 0x7F00_0001, port: 9999)

/// A key owned by C.
private let key = keys(in: b.id, c.id, count: 1, prefix: "cached")[0]

private func ring() -> ManualNetwork {
    let net = ManualNetwork()
    net.storageRing([a, b, c, d], config: .storage())
    return net
}

private func put(_ value: String) -> Message { .put(key: bytes(key), value: bytes(value)) }
private func ownerPut(_ value: String) -> Message { .ownerRequest(.put(key: bytes(key), value: bytes(value))) }

@Suite("Reply cache")
struct ReplyCacheTests {
    @Test func retransmittedClientPutGetsTheSameAnswerAndNoSecondVersion() throws {
        let net = ring()
        net.injectFromClient(put("v"), requestID: 77, source: client, to: b)
        // A retransmission while the first is in progress is ignored.
        #expect(net.injectFromClient(put("v"), requestID: 77, source: client, to: b).sends.isEmpty)
        #expect(net.runUntilQuiet())
        let answers = net.sent.filter { $0.to == client }
        // The client had no cookie yet: the answer gives it one (instead of naming its sender).
        let cookie = net[b].messenger.cookie(for: client)
        #expect(answers.map(\.envelope) == [Envelope(requestID: 77, cookie: cookie, sender: nil, message: .status(.ok))])
        let version = try #require(net[c].held(key)?.version)

        // Once answered, a retransmission gets the same answer again, from the cache.
        let again = net.injectFromClient(put("v"), requestID: 77, source: client, to: b)
        #expect(again.sends.map(\.envelope) == [Envelope(requestID: 77, cookie: cookie, sender: nil, message: .status(.ok))])
        #expect(again.sends.map(\.to) == [client])
        #expect(net.runUntilQuiet())
        #expect(net[b].counters.repliesFromCache == 1)
        // It was applied once: one owner request, one version everywhere.
        #expect(net.sent(from: b, to: c) { $0 == ownerPut("v") }.count == 1)
        for holder in [c, d, a] { #expect(net[holder].held(key)?.version == version) }
    }

    @Test func sameRequestIDFromAnotherSourceIsANewRequest() {
        let net = ring()
        net.injectFromClient(put("one"), requestID: 5, source: client, to: b)
        #expect(net.runUntilQuiet())
        let other = NodeAddress(ipv4: 0x7F00_0001, port: 9998)
        net.injectFromClient(put("two"), requestID: 5, source: other, to: b)
        #expect(net.runUntilQuiet())
        #expect(net[b].counters.repliesFromCache == 0)
        #expect(net[c].value(key) == "two")
    }

    @Test func retransmittedOldOwnerPutDoesNotWin() throws {
        let net = ring()
        // Coordinator A's put of "old" reaches the owner C and is applied.
        #expect(net.inject(ownerPut("old"), requestID: 11, from: a, to: c).isEmpty == false)
        #expect(net.runUntilQuiet())
        #expect(net[c].value(key) == "old")
        // Then coordinator B's newer put of the same key.
        net.inject(ownerPut("new"), requestID: 13, from: b, to: c)
        #expect(net.runUntilQuiet())
        let newest = try #require(net[c].held(key))
        #expect(newest.value == bytes("new"))

        // A copy of A's old request arrives again (a retransmission, a duplicated datagram).
        let late = net.inject(ownerPut("old"), requestID: 11, from: a, to: c)
        #expect(late.sends.map(\.envelope) == [Envelope(requestID: 11, sender: c, message: .status(.ok))])
        #expect(late.sends.map(\.to) == [a.address])  // the cached answer, and no replication
        #expect(net.runUntilQuiet())
        for holder in [c, d, a] {
            #expect(net[holder].held(key) == newest)
        }
        #expect(net[c].counters.repliesFromCache == 1)
    }

    @Test func coordinatorRetransmissionAfterANewerPutDoesNotWin() throws {
        let net = ring()
        // A coordinates "old"; C applies it, but its answer to A is lost.
        net.handle(.request(put("old"), token: 1), at: a)
        #expect(net.runUntilQuiet { $0.from == c.address && $0.to == a.address && $0.message == .status(.ok) })
        #expect(net.answer(1, at: a) == nil)
        #expect(net[c].value(key) == "old")
        // Meanwhile B writes "new".
        #expect(net.put(key, "new", at: b, token: 2) == .status(.ok))
        let newest = try #require(net[c].held(key))

        // A's timer: it sends its owner request again, the very same datagram, and C answers
        // it from its reply cache.
        let firstRequest = try #require(net.sent(from: a, to: c) { $0 == ownerPut("old") }.first)
        let isRetransmission = { (datagram: Datagram) in datagram.from == a.address && datagram.to == c.address }
        for _ in 0..<5 where !net.queue.contains(where: isRetransmission) {
            try #require(net.fireTimer(of: a) != nil)
        }
        let again = try #require(net.deliverNext(where: isRetransmission))
        #expect(again.envelope == firstRequest.envelope)
        #expect(net.queue.map(\.envelope) == [Envelope(requestID: again.envelope.requestID, sender: c, message: .status(.ok))])
        #expect(net[c].counters.repliesFromCache == 1)
        #expect(net.runUntilQuiet())
        #expect(net.answer(1, at: a) == .status(.ok))
        for holder in [c, d, a] { #expect(net[holder].held(key) == newest) }
    }
}

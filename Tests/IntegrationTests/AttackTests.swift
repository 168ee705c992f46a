import ChordClient
import ChordCore
import ChordNet
import ChordWire
import ClusterSupport
import Foundation
import Glibc
import Synchronization
import Testing

extension Integration {
    /// The five attacks an independent client found (docs/PROTOCOL.md, "Trust"), made over real
    /// UDP against a ring of real nodes on 127.0.0.1: each does no harm. Spoofed source
    /// addresses use a raw socket, where the process may open one (root); otherwise those
    /// parts are skipped and say so.
    @Suite(.serialized) struct Attacks {
        /// A 5-node ring, 3 replicas, with `keys` written and acknowledged.
        static func ring(seed: UInt64, keys: Int = 30) async throws -> (LocalCluster, [String: String]) {
            let cluster = try await LocalCluster.start(5, seed: seed)
            try await cluster.waitUntilExact()
            var written: [String: String] = [:]
            let client = try cluster.client(of: cluster.randomNode())
            for index in 0..<keys {
                let key = "attack-key-\(index)", value = "honest-\(index)"
                try await client.put(key, Array(value.utf8))
                written[key] = value
            }
            return (cluster, written)
        }

        /// Every acknowledged value reads back, through every node.
        static func expectHonest(_ cluster: LocalCluster, _ written: [String: String],
                                 sourceLocation: SourceLocation = #_sourceLocation) async throws {
            for node in cluster.ringOrder {
                let client = try cluster.client(of: node)
                for (key, value) in written.sorted(by: { $0.key < $1.key }) {
                    let read = try await client.get(key).map { String(decoding: $0, as: UTF8.self) }
                    #expect(read == value, "\(key) read through \(node.address)", sourceLocation: sourceLocation)
                }
            }
        }

        @Test("1. A socket claiming an identifier between two members takes no range, and no write is lost")
        func rangeTakeover() async throws {
            let (cluster, written) = try await Self.ring(seed: 0xA7701)
            defer { cluster.killAll() }
            let order = cluster.ringOrder
            let x = order[2], p = order[1]
            let attacker = try Adversary()
            let claimed = Peer(id: p.id.midpoint(to: x.id), address: attacker.address)
            #expect(claimed.id != Identifier.forNode(advertising: attacker.address.description))
            let xPeer = x.peer, pPeer = p.peer
            // For 3 s it notifies X, announces itself to P, and answers like a member.
            let attack = Task.detached {
                attacker.run(for: .seconds(3), every: .milliseconds(100), answeringAs: claimed) { adversary in
                    adversary.send(.notify, as: claimed, to: xPeer.address)
                    adversary.send(.announce, as: claimed, to: pPeer.address)
                } answer: { request in
                    switch request.message {
                    case .ping: return .pong
                    case .getNeighbors: return .neighbors(predecessor: pPeer, successors: [xPeer])
                    case .findNext: return .nextHop(.owner([claimed, xPeer]))
                    case .fetch(let key):
                        return .fetched(StoredEntry(key: key, value: Array("forged".utf8), version: Version(timestamp: .max, writer: 0)))
                    default: return nil
                    }
                }
            }
            // Meanwhile honest writes go on, and X and P keep each other.
            var duringAttack = written
            let client = try cluster.client(of: order[4])
            for index in 0..<10 {
                let key = "during-attack-\(index)"
                try await client.put(key, Array("honest-\(index)".utf8))
                duringAttack[key] = "honest-\(index)"
                #expect(try await cluster.info(of: x).predecessor == p.peer)
                #expect(try await cluster.info(of: p).successors.first == x.peer)
            }
            await attack.value
            #expect(try await cluster.info(of: x).predecessor == p.peer)
            #expect(try await cluster.info(of: p).successors.first == x.peer)
            try await Self.expectHonest(cluster, duringAttack)
        }

        @Test("2. A non-member cannot store, not even with the cookie and the largest version")
        func writesFromNonMembers() async throws {
            let (cluster, written) = try await Self.ring(seed: 0xA7702)
            defer { cluster.killAll() }
            let key = "attack-key-0"
            let owner = try #require(cluster.owner(of: .forKey(key)))
            let holders = [owner] + cluster.expectedSuccessors(of: owner).prefix(2)
            let attacker = try Adversary()
            let me = Peer(address: attacker.address)  // a genuine identity: SHA-1 of its address
            let forged = [StoredEntry(key: Array(key.utf8), value: Array("forged-pinned".utf8), version: Version(timestamp: .max, writer: 0)),
                          StoredEntry(key: Array(key.utf8), value: Array("forged-recent".utf8),
                                      version: Version(timestamp: UInt64(Date().timeIntervalSince1970 * 1000 + 1000) << 16, writer: 0))]
            let answers = try await offload { () throws -> [Message] in
                var answers: [Message] = []
                for holder in holders {
                    // Without the cookie: refused, and told it (it receives at its address).
                    let first = attacker.request(.store(entries: forged), as: me, to: holder.address, cookie: nil)
                    answers.append(first?.message ?? .pong)
                    // With it: a sender the holder's view of the ring does not allow.
                    let second = attacker.request(.store(entries: forged), as: me, to: holder.address, cookie: first?.cookie)
                    answers.append(second?.message ?? .pong)
                }
                return answers
            }
            #expect(answers.allSatisfy { $0 == .error(.retryWithCookie) || $0 == .error(.notResponsible) }, "\(answers)")
            #expect(answers.contains(.error(.notResponsible)))
            try await Self.expectHonest(cluster, written)
            // A later write wins as usual.
            let client = try cluster.client(of: cluster.randomNode())
            try await client.put(key, Array("after".utf8))
            #expect(try await client.get(key) == Array("after".utf8))
        }

        @Test("3. Spoofed store and leaving from a member's address change nothing (raw socket)")
        func spoofedMemberMessages() async throws {
            guard let spoofer = RawUDPSender() else {
                Issue.record("raw sockets are not permitted here: the spoofing part is skipped")
                return
            }
            let (cluster, written) = try await Self.ring(seed: 0xA7703)
            defer { cluster.killAll() }
            let order = cluster.ringOrder
            let m = order[2], predecessor = order[1], successor = order[3]
            let key = try #require(written.keys.sorted().first { cluster.owner(of: .forKey($0))?.address == m.address } ?? written.keys.sorted().first)
            let store = Envelope(requestID: 1, sender: m.peer, message: .store(entries: [
                StoredEntry(key: Array(key.utf8), value: Array("forged-spoofed".utf8),
                            version: Version(timestamp: UInt64(Date().timeIntervalSince1970 * 1000) << 16 | 0xFFFF, writer: 0))]))
            let leaving = Envelope(requestID: 2, sender: m.peer,
                                   message: .leaving(predecessor: predecessor.peer, successors: [successor.peer]))
            for round in 0..<10 {
                var spoofedStore = store, spoofedLeaving = leaving
                spoofedStore.requestID = UInt64(round) << 8 | 1
                spoofedLeaving.requestID = UInt64(round) << 8 | 2
                try spoofer.send(WireFormat.encode(spoofedStore), from: m.address, to: successor.address)
                for neighbour in [predecessor, successor] {
                    try spoofer.send(WireFormat.encode(spoofedLeaving), from: m.address, to: neighbour.address)
                }
                try await Task.sleep(for: .milliseconds(300))
                #expect(try await cluster.info(of: successor).predecessor == m.peer)
                #expect(try await cluster.info(of: predecessor).successors.first == m.peer)
            }
            try await Self.expectHonest(cluster, written)
        }

        @Test("4. No answer is more than 3x its request until the address proves it receives")
        func noAmplification() async throws {
            let (cluster, _) = try await Self.ring(seed: 0xA7704, keys: 0)
            defer { cluster.killAll() }
            let big = "big-value"
            try await cluster.client(of: cluster.randomNode()).put(big, [UInt8](repeating: 0x76, count: StorageLimits.maximumValueBytes))
            let target = cluster.randomNode().address
            let requests: [Message] = [.get(key: Array(big.utf8)), .getInfo, .traceLookup(target: .forKey(big)),
                                       .findNext(target: .forKey(big))]
            let victim = try Adversary()
            let ratios = try await offload { () throws -> [Double] in
                var ratios: [Double] = []
                for (index, message) in requests.enumerated() {
                    let envelope = Envelope(requestID: UInt64(0xA70 + index), sender: nil, message: message)
                    let bytes = WireFormat.encode(envelope)
                    // The request and three replays (the reply cache must not amplify either).
                    for _ in 0..<4 {
                        try victim.socket.send(bytes, to: target)
                        let answer = victim.receiveRaw(timeoutMilliseconds: 2000)
                        ratios.append(Double(answer?.count ?? 0) / Double(bytes.count))
                    }
                }
                return ratios
            }
            #expect(ratios.allSatisfy { $0 <= 3 }, "\(ratios)")
            #expect(ratios.contains { $0 > 0 })  // answered, just small
            // With a spoofed source, the victim gets no more.
            if let spoofer = RawUDPSender() {
                let request = WireFormat.encode(Envelope(requestID: 0xBEEF, sender: nil, message: .get(key: Array(big.utf8))))
                try spoofer.send(request, from: victim.address, to: target)
                let answer = await offload { victim.receiveRaw(timeoutMilliseconds: 2000) }
                #expect(answer.map { $0.count <= 3 * request.count } ?? true)
            }
        }

        @Test("5. A notify from an unused address or from a wrong identity is never adopted")
        func unverifiedPredecessors() async throws {
            let (cluster, _) = try await Self.ring(seed: 0xA7705, keys: 0)
            defer { cluster.killAll() }
            let order = cluster.ringOrder
            let x = order[3], p = order[2]
            // An impostor: a real socket whose claimed identifier lies between P and X.
            let impostor = try Adversary()
            let claimed = Peer(id: p.id.midpoint(to: x.id), address: impostor.address)
            // A ghost: an address nobody uses, with its genuine identifier, between P and X if a
            // port for that exists.
            var ghost: Peer?
            for port in UInt16(1024)...UInt16(65_000) {
                let candidate = Peer(address: NodeAddress(ipv4: 0x7F00_0001, port: port))
                if candidate.id.isInOpenInterval(p.id, x.id), !order.contains(where: { $0.address == candidate.address }) {
                    ghost = candidate
                    break
                }
            }
            let spoofer = RawUDPSender()
            for round in 0..<15 {
                impostor.send(.notify, as: claimed, to: x.address)
                if let ghost, let spoofer {
                    let notify = Envelope(requestID: UInt64(round), sender: ghost, message: .notify)
                    try spoofer.send(WireFormat.encode(notify), from: ghost.address, to: x.address)
                }
                try await Task.sleep(for: .milliseconds(200))
                #expect(try await cluster.info(of: x).predecessor == p.peer)
            }
        }
    }
}

/// A UDP socket on 127.0.0.1 that plays a hostile peer: sends any envelope under any sender,
/// answers requests, learns the cookies it is given (it receives at its own address).
final class Adversary: @unchecked Sendable {
    let socket: UDPSocket
    let address: NodeAddress
    private let cookies = Mutex<[NodeAddress: UInt64]>([:])
    private let lastID = Atomic<UInt64>(0xAD00_0000)
    private var buffer = [UInt8](repeating: 0, count: 70_000)

    private func nextID() -> UInt64 {
        lastID.add(1, ordering: .relaxed).newValue
    }

    init() throws {
        socket = try UDPSocket(binding: NodeAddress(ipv4: 0x7F00_0001, port: 0))
        address = socket.localAddress
    }

    /// Sends `message` as `sender`, with the cookie `destination` gave, if any.
    func send(_ message: Message, as sender: Peer, to destination: NodeAddress) {
        let cookie = cookies.withLock { $0[destination] }
        let envelope = Envelope(requestID: nextID(), cookie: cookie, sender: sender, message: message)
        try? socket.send(WireFormat.encode(envelope), to: destination)
    }

    /// One request, waiting up to 2 s for its answer.
    func request(_ message: Message, as sender: Peer, to destination: NodeAddress, cookie: UInt64?) -> Envelope? {
        let envelope = Envelope(requestID: nextID(), cookie: cookie, sender: sender, message: message)
        try? socket.send(WireFormat.encode(envelope), to: destination)
        let deadline = ContinuousClock.now + .seconds(2)
        while ContinuousClock.now < deadline {
            guard let (bytes, source) = receive(timeoutMilliseconds: 100) else { continue }
            if source == destination, let answer = try? WireFormat.decode(bytes), answer.requestID == envelope.requestID {
                return answer
            }
        }
        return nil
    }

    /// The next datagram's bytes (nil after the timeout).
    func receiveRaw(timeoutMilliseconds: Int32) -> [UInt8]? {
        receive(timeoutMilliseconds: timeoutMilliseconds)?.bytes
    }

    private func receive(timeoutMilliseconds: Int32) -> (bytes: [UInt8], source: NodeAddress)? {
        guard (try? socket.waitUntilReadable(timeoutMilliseconds: timeoutMilliseconds)) == true,
              let (count, source) = try? socket.receive(into: &buffer) else { return nil }
        return (Array(buffer[0..<count]), source)
    }

    /// For `duration`: `act` every `interval`; every request received is answered with what
    /// `answer` says, as `sender`, and every cookie given is kept.
    func run(for duration: Duration, every interval: Duration, answeringAs sender: Peer, _ act: (Adversary) -> Void,
             answer: (Envelope) -> Message?) {
        let end = ContinuousClock.now + duration
        var nextAct = ContinuousClock.now
        while ContinuousClock.now < end {
            if ContinuousClock.now >= nextAct {
                act(self)
                nextAct = ContinuousClock.now + interval
            }
            guard let (bytes, source) = receive(timeoutMilliseconds: 20),
                  let envelope = try? WireFormat.decode(bytes) else { continue }
            if let cookie = envelope.cookie { cookies.withLock { $0[source] = cookie } }
            guard !envelope.message.isResponse, let reply = answer(envelope) else { continue }
            try? socket.send(WireFormat.encode(Envelope(requestID: envelope.requestID, sender: sender, message: reply)),
                             to: source)
        }
    }
}

/// Sends UDP datagrams with any source address over a raw IPv4 socket (needs CAP_NET_RAW):
/// how an off-path attacker forges a member's or a victim's address. Test-only.
final class RawUDPSender: Sendable {
    private let descriptor: Int32

    /// Nil when the process may not open a raw socket.
    init?() {
        let descriptor = socket(AF_INET, Int32(SOCK_RAW.rawValue), Int32(IPPROTO_RAW))
        guard descriptor >= 0 else { return nil }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Sends `payload` as one UDP datagram from `source` to `destination` (both IPv4).
    func send(_ payload: [UInt8], from source: NodeAddress, to destination: NodeAddress) throws {
        let length = 20 + 8 + payload.count
        var packet = [UInt8](repeating: 0, count: length)
        packet[0] = 0x45                                    // IPv4, 20-byte header
        packet[2] = UInt8(length >> 8); packet[3] = UInt8(length & 0xFF)
        packet[8] = 64                                      // TTL
        packet[9] = UInt8(IPPROTO_UDP)
        for index in 0..<4 {
            packet[12 + index] = UInt8(truncatingIfNeeded: source.lowBits >> UInt64(24 - 8 * index))
            packet[16 + index] = UInt8(truncatingIfNeeded: destination.lowBits >> UInt64(24 - 8 * index))
        }
        packet[20] = UInt8(source.port >> 8); packet[21] = UInt8(source.port & 0xFF)
        packet[22] = UInt8(destination.port >> 8); packet[23] = UInt8(destination.port & 0xFF)
        packet[24] = UInt8((8 + payload.count) >> 8); packet[25] = UInt8((8 + payload.count) & 0xFF)
        packet.replaceSubrange(28..., with: payload)        // UDP checksum 0: none (IPv4)
        var target = sockaddr_in()
        target.sin_family = sa_family_t(AF_INET)
        target.sin_addr.s_addr = UInt32(truncatingIfNeeded: destination.lowBits).bigEndian
        let sent = packet.withUnsafeBytes { bytes in
            withUnsafePointer(to: &target) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(descriptor, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        if sent != length { throw RawSendError(errno: errno) }
    }

    struct RawSendError: Error { let errno: Int32 }
}

import Glibc
@testable import ChordCore

/// The seed corpus (Tools/fuzz/corpus): valid encodings of every message kind, addressed as the
/// ring of `FuzzRing` would address them, and sequences in which the fuzz ring's members
/// answer the node's own requests honestly (stabilize, a put and a get through the replicas,
/// lookups, a graceful leave, a newcomer's notify...), so that mutations start from states a
/// single datagram cannot reach.
///
/// `run.sh --seeds` rewrites the corpus from here: after a change of the wire format or the
/// core, regenerate it so that the seeds stay valid. Writing checks that every message type
/// of `MessageType` appears in some seed and that every scripted answer was matched by the
/// node (a seed whose answers no longer match is reported, and the corpus is not written).
enum Seeds {
    static let me = FuzzRing.me
    static let members = FuzzRing.members
    static let position = FuzzRing.position
    static let successor = FuzzRing.others[0]
    static let predecessor = FuzzRing.predecessor
    static let secondPredecessor = FuzzRing.others[FuzzRing.others.count - 2]
    static let ownedKey = FuzzRing.ownedKeys[0]
    static let replicaKey = FuzzRing.replicaKeys[0]
    static let foreignKey = FuzzRing.foreignKeys[0]
    static let missingKey = Array("no-such-key".utf8)

    // MARK: Peers and views of the ring

    /// A host outside the ring (192.0.2.N:4000) whose identifier, SHA-1 of its address as a
    /// member's would be, lies strictly between `lower` and `upper`.
    static func stranger(between lower: Identifier, _ upper: Identifier) -> Peer {
        for host in UInt32(10)..<10_000 {
            let peer = Peer(address: NodeAddress(ipv4: 0xC000_0200 + host, port: 4000))
            if peer.id.isInOpenInterval(lower, upper) { return peer }
        }
        preconditionFailure("no stranger between \(lower) and \(upper)")
    }

    /// The member at `index` in `members` (wrapping).
    static func member(_ index: Int) -> Peer { members[(index % members.count + members.count) % members.count] }

    /// A member's exact successor list.
    static func successors(of peer: Peer) -> [Peer] {
        let index = members.firstIndex(of: peer)!
        return (1..<members.count).prefix(FuzzRing.config.successorListLength).map { member(index + $0) }
    }

    /// A member's exact predecessor.
    static func predecessor(of peer: Peer) -> Peer { member(members.firstIndex(of: peer)! - 1) }

    /// The exact owner of `target` and its successors: an honest lookup step.
    static func ownerStep(_ target: Identifier) -> LookupStep {
        let owner = ExactRing(members).owner(of: target)!
        return .owner([owner] + successors(of: owner))
    }

    static func entry(_ key: [UInt8], _ value: String?, secondsAgo: UInt64 = 0, writer: Peer = me) -> StoredEntry {
        let milliseconds = FuzzRing.startMilliseconds - secondsAgo * 1_000
        return StoredEntry(key: key, value: value.map { Array($0.utf8) }, version: Version(timestamp: milliseconds << 16, writer: writer.id.low))
    }

    /// What an honest member at `address` answers to `request`; nil for a stranger.
    static func honestAnswer(to request: Message, at address: NodeAddress) -> Message? {
        guard let peer = members.first(where: { $0.address == address }) else { return nil }
        switch request {
        case .ping: return .pong
        case .getNeighbors: return .neighbors(predecessor: predecessor(of: peer), successors: successors(of: peer))
        case .findNext(let target): return .nextHop(ownerStep(target))
        case .ownerRequest(.get): return .result(status: .ok, value: Array("remote value".utf8))
        case .ownerRequest(.put), .ownerRequest(.remove): return .result(status: .ok, value: nil)
        case .store(let entries): return .stored(count: UInt32(entries.count))
        case .fetch(let key): return .fetched(key == ownedKey ? entry(key, "older value", secondsAgo: 120) : nil)
        case .syncDigest: return .syncDifferences(buckets: [])
        default: return nil
        }
    }

    // MARK: Building sequences

    /// A sequence of chunks, run through a live session as it is built, so that answers can
    /// name the requests they answer.
    struct Builder {
        let name: String
        var session = FuzzSession()
        var chunks: [(control: UInt8, datagram: [UInt8])] = []
        var answered: Set<UInt64> = []
        var problems: [String] = []

        /// A sequence for a member; with `joining`, for a node that joins (its first chunk
        /// asks for one).
        init(_ name: String, joining: Bool = false) {
            self.name = name
            if joining {
                session = FuzzSession(joining: true)
                chunks.append((FuzzControl(source: FuzzControl.localInput).byte,
                               WireFormat.encode(Envelope(requestID: 0, sender: nil, message: .announce))))
            }
        }

        private mutating func add(_ control: FuzzControl, _ datagram: [UInt8]) {
            chunks.append((control.byte, datagram))
            session.run(control, try? WireFormat.decode(datagram))
        }

        /// A datagram from `sender` (from its own address), or from a client when nil.
        mutating func send(_ message: Message, from sender: Peer?, requestID: UInt64 = 0x1001, firesTimer: Bool = false) {
            let envelope = Envelope(requestID: requestID, sender: sender, message: message)
            add(FuzzControl(source: FuzzControl.claimedSource, firesTimer: firesTimer), WireFormat.encode(envelope))
        }

        /// A local caller's input (see `FuzzSession.local`).
        mutating func local(_ message: Message, token: UInt64 = 0x2002) {
            add(FuzzControl(source: FuzzControl.localInput), WireFormat.encode(Envelope(requestID: token, sender: nil, message: message)))
        }

        /// The timer fires (an empty chunk).
        mutating func tick(_ count: Int = 1) {
            for _ in 0..<count { add(FuzzControl(source: 0, firesTimer: true), []) }
        }

        /// Answers the latest unanswered request matching `filter` with `answer(request, to)`
        /// (nil: leave it), as `peer` (default: the member at that address).
        @discardableResult
        mutating func answer(where filter: (Message) -> Bool = { _ in true }, as peer: Peer? = nil,
                             with answer: (Message, NodeAddress) -> Message? = Seeds.honestAnswer) -> Bool {
            let requests = session.recentRequests
            for index in requests.indices.reversed() {
                let (request, address) = requests[index]
                guard !answered.contains(request.requestID), filter(request.message),
                      let message = answer(request.message, address) else { continue }
                answered.insert(request.requestID)
                let sender = peer ?? members.first { $0.address == address } ?? Peer(address: address)
                let matched = session.node.counters.responsesMatched
                let control = FuzzControl(source: 0, reply: requests.count - 1 - index, senderMatchesSource: true)
                add(control, WireFormat.encode(Envelope(requestID: 0, sender: sender, message: message)))
                if session.node.counters.responsesMatched == matched {
                    problems.append("\(name): the answer to \(request.message) was not matched")
                }
                return true
            }
            return false
        }

        /// `answer`, noting a problem when no request matches.
        mutating func require(where filter: (Message) -> Bool, as peer: Peer? = nil,
                              with answer: (Message, NodeAddress) -> Message?) {
            if !self.answer(where: filter, as: peer, with: answer) { problems.append("\(name): no request to answer") }
        }

        /// Answers honestly whatever the node asked the members, until it asks nothing new.
        mutating func answerAll(limit: Int = 12, with answer: (Message, NodeAddress) -> Message? = Seeds.honestAnswer) {
            for _ in 0..<limit where self.answer(with: answer) {}
        }

        var bytes: [UInt8] { FuzzInput.encode(chunks) }
    }

    // MARK: The corpus

    /// Single datagrams: every message kind, from plausible senders.
    static func datagrams() -> [(String, Envelope)] {
        let newcomer = stranger(between: predecessor.id, me.id)
        let closer = stranger(between: me.id, successor.id)
        let ownedID = Identifier.forKey(bytes: ownedKey)
        let foreignID = Identifier.forKey(bytes: foreignKey)
        let replicaRange = (lower: secondPredecessor.id, upper: predecessor.id)
        let keyID = Identifier.forKey(bytes: replicaKey)
        let bucket = KeyValueStore.bucket(of: keyID)
        let narrow = (lower: Identifier(high: UInt64(bucket) << 20, middle: 0, low: 0), upper: keyID)
        let honestDigest = FuzzRing.makeNode().store.digest(ofBucket: bucket, within: narrow.lower, narrow.upper)
        let trace = LookupTrace(target: foreignID, status: .ok,
                                hops: [LookupHop(address: successor.address, id: successor.id, roundTrip: 1_200_000),
                                       LookupHop(address: member(position + 2).address, id: nil, roundTrip: nil, confirmsOwner: true)],
                                owner: successor, successors: successors(of: successor), elapsed: 2_400_000)
        let info = NodeInfo(predecessor: predecessor, successors: successors(of: me), fingers: [successor, member(position + 2)],
                            ownedKeys: 2, replicaKeys: 3, tombstones: 1, storedBytes: 120)
        let v6Peer = Peer(address: NodeAddress(ipv6High: 0x2001_0DB8_0000_0000, ipv6Low: 7, port: 4000))
        let list: [(String, Message, Peer?)] = [
            ("ping-from-predecessor", .ping, predecessor),
            ("ping-from-client", .ping, nil),
            ("getNeighbors-from-predecessor", .getNeighbors, predecessor),
            ("notify-from-predecessor", .notify, predecessor),
            ("notify-from-newcomer", .notify, newcomer),
            ("notify-from-ipv6-stranger", .notify, v6Peer),
            ("announce-from-closer", .announce, closer),
            ("findNext-owned-from-predecessor", .findNext(target: ownedID), predecessor),
            ("findNext-foreign-from-client", .findNext(target: foreignID), nil),
            ("findNext-self", .findNext(target: me.id), successor),
            ("leaving-from-predecessor", .leaving(predecessor: secondPredecessor, successors: successors(of: predecessor)), predecessor),
            ("leaving-from-successor", .leaving(predecessor: me, successors: successors(of: successor)), successor),
            ("leaving-empty-from-successor", .leaving(predecessor: nil, successors: []), successor),
            ("get-owned", .get(key: ownedKey), nil),
            ("get-maximal", .get(key: FuzzRing.maximalKey), nil),
            ("fetch-maximal-from-successor", .fetch(key: FuzzRing.maximalKey), successor),
            ("get-replica", .get(key: replicaKey), nil),
            ("get-foreign", .get(key: foreignKey), nil),
            ("get-missing", .get(key: missingKey), nil),
            ("put-owned", .put(key: ownedKey, value: Array("new value".utf8)), nil),
            ("put-foreign", .put(key: foreignKey, value: Array("elsewhere".utf8)), nil),
            ("put-empty-value", .put(key: missingKey, value: []), nil),
            ("remove-owned", .remove(key: ownedKey), nil),
            ("traceLookup-foreign", .traceLookup(target: foreignID), nil),
            ("getInfo", .getInfo, nil),
            ("ownerGet-owned-from-predecessor", .ownerRequest(.get(key: ownedKey)), predecessor),
            ("ownerPut-owned-from-predecessor", .ownerRequest(.put(key: ownedKey, value: Array("via owner".utf8))), predecessor),
            ("ownerRemove-owned-from-successor", .ownerRequest(.remove(key: ownedKey)), successor),
            ("ownerGet-foreign-from-predecessor", .ownerRequest(.get(key: foreignKey)), predecessor),
            ("store-replicas-from-predecessor", .store(entries: [entry(replicaKey, "newer", secondsAgo: 1, writer: predecessor),
                                                                  entry(FuzzRing.replicaKeys[1], nil, secondsAgo: 2, writer: predecessor)]),
             predecessor),
            ("store-empty-from-predecessor", .store(entries: []), predecessor),
            ("store-from-client", .store(entries: [entry(ownedKey, "planted")]), nil),
            ("store-future-version", .store(entries: [StoredEntry(key: ownedKey, value: Array("pinned".utf8),
                                                                  version: Version(timestamp: .max, writer: .max))]), successor),
            ("fetch-replica-from-predecessor", .fetch(key: replicaKey), predecessor),
            ("fetch-owned-from-client", .fetch(key: ownedKey), nil),
            ("syncDigest-narrow-honest", .syncDigest(lower: narrow.lower, upper: narrow.upper, digests: [honestDigest]), predecessor),
            ("syncDigest-narrow-differs", .syncDigest(lower: narrow.lower, upper: narrow.upper, digests: [0x5EED]), secondPredecessor),
            ("syncDigest-wrong-count", .syncDigest(lower: replicaRange.lower, upper: replicaRange.upper, digests: [1, 2]), predecessor),
            ("unknownRequest", .unknownRequest(type: 0x7F), nil),
            // Answers nobody asked for (they must be dropped).
            ("pong", .pong, successor),
            ("neighbors", .neighbors(predecessor: me, successors: successors(of: successor)), successor),
            ("nextHop-owner", .nextHop(ownerStep(foreignID)), successor),
            ("nextHop-closer", .nextHop(.closer([member(position + 2), closer])), successor),
            ("result-ok", .result(status: .ok, value: Array("value".utf8)), successor),
            ("result-notFound", .result(status: .notFound, value: nil), successor),
            ("redirect", .redirect(ownerStep(foreignID)), predecessor),
            ("trace", .trace(trace), nil),
            ("info", .info(info), nil),
            ("stored", .stored(count: 2), successor),
            ("fetched-entry", .fetched(entry(ownedKey, "old", secondsAgo: 30)), successor),
            ("fetched-tombstone", .fetched(entry(ownedKey, nil, secondsAgo: 30)), successor),
            ("fetched-nil", .fetched(nil), successor),
            ("syncDifferences", .syncDifferences(buckets: [UInt16(bucket)]), successor),
            ("error-overloaded", .error(.overloaded), nil),
        ]
        return list.enumerated().map { index, item in
            (item.0, Envelope(requestID: 0x0100 + UInt64(index), sender: item.2, message: item.1))
        }
    }

    /// Sequences: the node's requests answered by the ring, and messages that need a state.
    static func sequences() -> [Builder] {
        var result: [Builder] = []
        let newcomer = stranger(between: predecessor.id, me.id)
        let closer = stranger(between: me.id, successor.id)
        let ownedID = Identifier.forKey(bytes: ownedKey)
        let foreignID = Identifier.forKey(bytes: foreignKey)

        var seed = Builder("seq-stabilize-honest")
        seed.answerAll()
        seed.tick(3)
        seed.answerAll()
        result.append(seed)

        seed = Builder("seq-stabilize-walks-to-closer")
        seed.answer(with: { request, _ in
            guard case .getNeighbors = request else { return nil }
            return .neighbors(predecessor: closer, successors: successors(of: successor))
        })
        seed.answer(as: closer, with: { request, address in
            guard case .getNeighbors = request, address == closer.address else { return nil }
            return .neighbors(predecessor: me, successors: [successor] + successors(of: successor).prefix(3))
        })
        seed.tick(2)
        result.append(seed)

        seed = Builder("seq-stabilize-successor-restarted")
        seed.answer(with: { request, _ in
            guard case .getNeighbors = request else { return nil }
            return .neighbors(predecessor: nil, successors: [])
        })
        seed.tick()
        seed.answerAll()
        result.append(seed)

        seed = Builder("seq-stabilize-list-names-self")
        seed.answer(with: { request, _ in
            guard case .getNeighbors = request else { return nil }
            return .neighbors(predecessor: me, successors: [me, Peer(id: me.id, address: FuzzRing.stranger), successor])
        })
        seed.tick(2)
        result.append(seed)

        seed = Builder("seq-newcomer-notifies")
        seed.answerAll()
        seed.send(.notify, from: newcomer)
        seed.tick(2)
        seed.answerAll()
        result.append(seed)

        seed = Builder("seq-newcomer-takes-maximal-key")
        seed.answerAll()
        let taker = stranger(between: Identifier.forKey(bytes: FuzzRing.maximalKey), me.id)
        seed.send(.notify, from: taker)
        for _ in 0..<2 {  // hand-off pages, acknowledged
            seed.require(where: { if case .store = $0 { true } else { false } }, as: taker, with: { request, _ in
                guard case .store(let entries) = request else { return nil }
                return .stored(count: UInt32(entries.count))
            })
        }
        result.append(seed)

        seed = Builder("seq-predecessor-leaves")
        seed.answerAll()
        seed.send(.leaving(predecessor: secondPredecessor, successors: successors(of: predecessor)), from: predecessor)
        seed.send(.notify, from: secondPredecessor)
        seed.tick(2)
        seed.answerAll()
        result.append(seed)

        seed = Builder("seq-local-put-owned")
        seed.local(.put(key: ownedKey, value: Array("written here".utf8)))
        seed.answerAll()
        result.append(seed)

        seed = Builder("seq-local-get-owned")
        seed.local(.get(key: ownedKey))
        seed.answerAll()
        result.append(seed)

        seed = Builder("seq-local-remove-owned")
        seed.local(.remove(key: ownedKey))
        seed.answerAll()
        result.append(seed)

        seed = Builder("seq-local-put-foreign")
        seed.answerAll()
        seed.local(.put(key: foreignKey, value: Array("written there".utf8)))
        seed.answerAll()
        seed.tick()
        result.append(seed)

        seed = Builder("seq-local-get-foreign-redirected")
        seed.local(.get(key: foreignKey))
        seed.answerAll()  // the lookup for the owner, if any
        seed.answer(with: { request, _ in
            guard case .ownerRequest = request else { return nil }
            return .redirect(ownerStep(foreignID))
        })
        seed.answerAll()
        result.append(seed)

        seed = Builder("seq-client-put-retransmitted")
        seed.send(.put(key: ownedKey, value: Array("once".utf8)), from: nil, requestID: 0x3003)
        seed.answerAll()
        seed.send(.put(key: ownedKey, value: Array("once".utf8)), from: nil, requestID: 0x3003)
        result.append(seed)

        seed = Builder("seq-local-lookup-confirmed")
        seed.local(.findNext(target: foreignID), token: 0x4005)  // odd: confirm the owner
        seed.answerAll()
        result.append(seed)

        seed = Builder("seq-local-trace")
        seed.local(.traceLookup(target: ownedID))
        seed.local(.traceLookup(target: foreignID))
        seed.answerAll()
        result.append(seed)

        seed = Builder("seq-local-leave")
        seed.local(.leaving(predecessor: nil, successors: []))
        seed.answerAll()
        seed.tick(2)
        seed.answerAll()
        result.append(seed)

        seed = Builder("seq-timers-check-predecessor")
        for _ in 0..<4 {
            seed.tick()
            seed.answerAll()
        }
        result.append(seed)

        seed = Builder("seq-timers-silence")
        seed.tick(8)
        result.append(seed)

        seed = Builder("seq-long-pauses")
        seed.answerAll()
        seed.local(.remove(key: FuzzRing.ownedKeys[1]))
        seed.answerAll()
        for seconds: UInt64 in [25, 400, 4_000] {
            seed.local(.ping, token: seconds)
            seed.answerAll()
        }
        result.append(seed)

        // A node joining: the ring as it is without it (it restarted empty), honest or not.
        let withoutMe = members.filter { $0 != me }
        func view(_ peer: Peer) -> Message {
            let index = withoutMe.firstIndex(of: peer)!
            return .neighbors(predecessor: withoutMe[(index + withoutMe.count - 1) % withoutMe.count],
                              successors: (1..<withoutMe.count).map { withoutMe[(index + $0) % withoutMe.count] })
        }
        func joinAnswer(_ request: Message, _ address: NodeAddress) -> Message? {
            guard let peer = withoutMe.first(where: { $0.address == address }) else { return nil }
            switch request {
            case .findNext(let target):
                let owner = ExactRing(withoutMe).owner(of: target)!
                return .nextHop(.owner([owner] + withoutMe.filter { $0 != owner }))
            case .getNeighbors: return view(peer)
            default: return honestAnswer(to: request, at: address)
            }
        }

        seed = Builder("seq-join-honest", joining: true)
        for _ in 0..<4 {
            seed.answerAll(with: joinAnswer)
            seed.tick()
        }
        seed.answerAll(with: joinAnswer)
        result.append(seed)

        seed = Builder("seq-join-told-it-owns-itself", joining: true)
        seed.require(where: { if case .findNext = $0 { true } else { false } }, with: { _, _ in
            .nextHop(.owner([me, Peer(id: me.id, address: FuzzRing.stranger), successor]))
        })
        seed.answerAll(with: joinAnswer)
        seed.tick(2)
        result.append(seed)

        seed = Builder("seq-join-walks-back", joining: true)
        seed.require(where: { if case .findNext = $0 { true } else { false } }, with: { _, _ in
            .nextHop(.owner([member(position + 2)]))
        })
        seed.answerAll(with: joinAnswer)
        seed.tick()
        seed.answerAll(with: joinAnswer)
        result.append(seed)

        seed = Builder("seq-join-silence", joining: true)
        seed.tick(8)
        result.append(seed)

        seed = Builder("seq-anti-entropy")
        for _ in 0..<12 where !seed.session.recentRequests.contains(where: { $0.envelope.message.isSyncDigest }) {
            seed.tick()
            seed.answer(where: { !$0.isSyncDigest })
        }
        seed.require(where: { $0.isSyncDigest }, with: { request, _ in
            guard case .syncDigest(let lower, let upper, _) = request else { return nil }
            let maximal = Identifier.forKey(bytes: FuzzRing.maximalKey)
            return .syncDifferences(buckets: [lower, maximal, upper].map { UInt16(KeyValueStore.bucket(of: $0)) })
        })
        seed.answerAll()
        result.append(seed)
        return result
    }

    // MARK: Writing

    /// Writes every seed into `directory` (which must exist) after checking the corpus.
    static func write(into directory: String) -> Bool {
        var files: [(String, [UInt8])] = datagrams().map { ("raw-" + $0.0, WireFormat.encode($0.1)) }
        var problems: [String] = []
        for builder in sequences() {
            files.append((builder.name, builder.bytes))
            problems += builder.problems
            let counters = builder.session.node.counters
            print("seeds: \(builder.name): \(builder.chunks.count) chunks, \(counters.responsesMatched) answers matched, "
                  + "\(counters.requestsHandled) requests handled, largest datagram sent \(builder.session.checks.largestDatagram) bytes")
        }
        // Every message type appears somewhere.
        var seen = Set<UInt8>()
        for (_, bytes) in files {
            bytes.withUnsafeBytes { input in
                FuzzInput.forEachChunk(input) { chunk in
                    if let envelope = try? WireFormat.decode(chunk.bytes) { seen.insert(WireFormat.typeCode(of: envelope.message)) }
                }
            }
        }
        for code in UInt8.min...UInt8.max where MessageType(rawValue: code) != nil && !seen.contains(code) {
            problems.append("no seed carries message type \(code)")
        }
        for (name, bytes) in files where bytes.count > 8_192 {
            problems.append("\(name) is \(bytes.count) bytes")
        }
        guard problems.isEmpty else {
            for problem in problems { print("seeds: \(problem)") }
            return false
        }
        for (name, bytes) in files {
            guard let file = fopen(directory + "/" + name, "wb") else {
                print("seeds: cannot write \(directory)/\(name)")
                return false
            }
            let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
            fclose(file)
            guard written == bytes.count else { return false }
        }
        print("seeds: wrote \(files.count) files to \(directory)")
        return true
    }
}

extension Message {
    var isSyncDigest: Bool { if case .syncDigest = self { true } else { false } }
}

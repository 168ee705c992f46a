import ChordCore
import ToolSupport

/// A client workload for the simulator: puts of new keys and overwrites, gets and removes,
/// one writer per key (at most one operation in flight per key), through random members.
///
/// Its `AllowedValues` record what each key may hold: after an acknowledged write, exactly
/// that write; after a write that failed or timed out, either the write or what was there
/// before (the write may have reached some replicas). Every read, during the run and at the
/// end, must return one of the allowed values; a final read that does not is a lost (or
/// resurrected) write.
public final class KeyValueWorkload {
    struct Pending {
        let key: Int
        let operation: KeyOperation
        let issued: Instant
        /// For a read: no live member held any value the key may hold when it was issued.
        var unknowable = false
    }

    /// Counts of what happened.
    public struct Statistics: Sendable {
        /// Operations issued.
        public var issued = 0
        /// Puts acknowledged.
        public var putsAcknowledged = 0
        /// Removes acknowledged (found or not).
        public var removesAcknowledged = 0
        /// Gets that returned an allowed value (or correctly nothing).
        public var readsCorrect = 0
        /// Gets that returned a value the key could not hold.
        public var readsWrong = 0
        /// Such gets of a key while every replica holding its latest write was down
        /// (`isKnowable`): the live nodes cannot know that value then. Not lost: the replicas
        /// bring it back when they restart with their disks.
        public var readsWrongWhileReplicasDown = 0
        /// Gets that returned an older value than the latest acknowledged write (or nothing)
        /// during or after a partition (`acrossPartition`), before repair brought the sides
        /// together: reads are not linearizable across a partition. Not lost: the final
        /// read-back checks that.
        public var readsStaleAcrossPartition = 0
        /// Operations answered with a failure status (timedOut, unavailable, ...).
        public var failed = 0
        /// Operations whose coordinator crashed before answering.
        public var lostWithCoordinator = 0
        /// Latencies of successful operations, nanoseconds.
        public var latencies: [Int64] = []
    }

    let keyCount: Int
    /// What each key may hold, and which keys have an operation in flight.
    var ledger: AllowedValues
    var pending: [UInt64: (host: Int, operation: Pending)] = [:]
    var random: SeededRandom
    /// Print wrong reads as they happen (debugging).
    public var debug = false
    /// Called with the key index on a wrong read (debugging: the scenario prints who holds what).
    public var onWrongRead: ((Int) -> Void)?
    /// Whether some live member holds key `key` as one of the values it may hold (nil: a
    /// tombstone). Asked when a read is issued (and again when it is answered): a wrong read
    /// of a key no live member could answer right, because every replica holding its latest
    /// write is down (the store scenario's whole-replica-set outages), is counted apart.
    public var isKnowable: ((_ key: Int, _ allowed: [[UInt8]?]) -> Bool)?
    /// Whether a partition has split the ring (it may have healed since): a wrong read is
    /// then counted as stale across the partition.
    public var acrossPartition: (() -> Bool)?
    /// Per key, the recent acknowledged operations (debugging).
    var history: [[String]]
    /// Statistics so far.
    public private(set) var statistics = Statistics()

    /// A workload over `keyCount` keys ("k0", "k1", ...), drawing from `seed`.
    public init(keyCount: Int, seed: UInt64) {
        self.keyCount = keyCount
        ledger = AllowedValues(count: keyCount)
        history = Array(repeating: [], count: keyCount)
        random = SeededRandom(seed: seed)
    }

    static func keyBytes(_ index: Int) -> [UInt8] { Array(AllowedValues.name(index).utf8) }

    /// A value as the report shows it: its UTF-8, or "nothing".
    static func text(_ value: [UInt8]?) -> String { value.map { String(decoding: $0, as: UTF8.self) } ?? "nothing" }

    /// Issues one random operation on an idle key through a random member; false if none.
    @discardableResult
    public func issue(on simulation: Simulation) -> Bool {
        let members = simulation.memberIndices
        guard !members.isEmpty else { return false }
        var key = random.nextInt(below: keyCount)
        var tries = 0
        while ledger.isBusy(key) && tries < 8 {
            key = random.nextInt(below: keyCount)
            tries += 1
        }
        guard !ledger.isBusy(key) else { return false }
        let operation = ledger.randomOperation(for: key, using: &random)
        send(operation, key: key, through: members[random.nextInt(below: members.count)], on: simulation)
        return true
    }

    private func send(_ operation: KeyOperation, key: Int, through host: Int, on simulation: Simulation) {
        let message: Message
        switch operation {
        case .put(let value): message = .put(key: Self.keyBytes(key), value: value)
        case .get: message = .get(key: Self.keyBytes(key))
        case .remove: message = .remove(key: Self.keyBytes(key))
        }
        guard let token = simulation.issueRequest(from: host, message) else { return }
        ledger.claim(key)
        statistics.issued += 1
        var request = Pending(key: key, operation: operation, issued: simulation.now)
        if case .get = operation, let isKnowable { request.unknowable = !isKnowable(key, ledger.values(of: key)) }
        pending[token] = (host, request)
    }

    /// Takes in an answer the simulation delivered.
    func completed(token: UInt64, answer: Message, now: Instant) {
        guard let (host, request) = pending.removeValue(forKey: token) else { return }
        if debug {
            let what: String
            switch request.operation {
            case .put(let v): what = "put \(String(decoding: v, as: UTF8.self))"
            case .get: what = "get"
            case .remove: what = "remove"
            }
            history[request.key].append("[\(request.issued.seconds)-\(now.seconds) via h\(host)] \(what) -> \(answer)")
            if history[request.key].count > 6 { history[request.key].removeFirst() }
        }
        guard case .result(let status, let value) = answer else {
            ledger.release(request.key)
            statistics.failed += 1
            return
        }
        // What was acknowledged (for a get, the value read); nil: it failed, a write may or
        // may not have been applied.
        let acknowledged: [UInt8]??
        switch (request.operation, status) {
        case (.put, .ok), (.remove, .ok), (.remove, .notFound): acknowledged = .some(nil)
        case (.get, .ok): acknowledged = .some(value)
        case (.get, .notFound): acknowledged = .some(nil)
        default: acknowledged = .none
        }
        switch (ledger.settle(request.key, request.operation, answer: acknowledged), request.operation) {
        case (.ok, .put):
            statistics.putsAcknowledged += 1
            statistics.latencies.append(now - request.issued)
        case (.ok, .remove):
            statistics.removesAcknowledged += 1
            statistics.latencies.append(now - request.issued)
        case (.ok, .get):
            statistics.readsCorrect += 1
            statistics.latencies.append(now - request.issued)
        case (.wrongRead, _) where acrossPartition?() == true:
            statistics.readsStaleAcrossPartition += 1
            statistics.latencies.append(now - request.issued)
        case (.wrongRead, _) where request.unknowable || isKnowable?(request.key, ledger.values(of: request.key)) == false:
            statistics.readsWrongWhileReplicasDown += 1
            statistics.latencies.append(now - request.issued)
        case (.wrongRead, _):
            statistics.readsWrong += 1
            onWrongRead?(request.key)
            if debug {
                print("WRONG READ t=\(now.seconds) k\(request.key) issued \(request.issued.seconds) saw \(Self.text(acknowledged ?? nil)) allowed \(ledger.values(of: request.key).map(Self.text)) history \(history[request.key])")
            }
            statistics.latencies.append(now - request.issued)
        case (.failed, _):
            statistics.failed += 1
        }
    }

    /// Forgets operations whose coordinating host crashed (they will never be answered);
    /// a write among them may or may not have happened.
    func coordinatorCrashed(_ host: Int) {
        let lost = pending.filter { $0.value.host == host }.map(\.key).sorted()
        for token in lost {
            guard let (_, request) = pending.removeValue(forKey: token) else { continue }
            statistics.lostWithCoordinator += 1
            _ = ledger.settle(request.key, request.operation, answer: .none)
        }
    }

    /// Whether an operation is still out.
    public var inFlight: Int { pending.count }

    /// Reads every key back through random members and reports keys whose value is not one
    /// the acknowledged history allows.
    public func verifyAll(on simulation: Simulation, timeout: Int64) throws(InvariantViolation) -> Verification {
        var verification = Verification()
        var outstanding: [UInt64: Int] = [:]
        simulation.workload = nil
        defer { simulation.workload = self }
        for key in 0..<keyCount {
            let members = simulation.memberIndices
            guard !members.isEmpty else { break }
            let host = members[random.nextInt(below: members.count)]
            if let token = simulation.issueRequest(from: host, .get(key: Self.keyBytes(key))) { outstanding[token] = key }
            if key % 200 == 199 { try simulation.run(for: Nanos.milliseconds(50)) }
        }
        let deadline = simulation.now + timeout
        while !outstanding.isEmpty && simulation.now < deadline {
            try simulation.run(for: Nanos.milliseconds(100))
            for (token, answer) in simulation.takeCompletedRequests() {
                guard let key = outstanding.removeValue(forKey: token) else {
                    completed(token: token, answer: answer, now: simulation.now)
                    continue
                }
                guard case .result(let status, let value) = answer, status == .ok || status == .notFound else {
                    verification.unanswered += 1
                    continue
                }
                let seen: [UInt8]? = status == .ok ? value : nil
                if ledger.allows(seen, for: key) {
                    verification.correct += 1
                } else {
                    verification.lost += 1
                    if debug {
                        print("LOST k\(key): read \(Self.text(seen)), allowed \(ledger.values(of: key).map(Self.text)) history \(history[key])")
                        onWrongRead?(key)
                    }
                    if verification.examples.count < 5 {
                        verification.examples.append("k\(key): read \(Self.text(seen)), allowed \(ledger.values(of: key).map(Self.text))")
                    }
                }
            }
        }
        verification.unanswered += outstanding.count
        return verification
    }

    /// The outcome of reading every key back.
    public struct Verification: Sendable {
        /// Keys whose value matched the acknowledged history.
        public var correct = 0
        /// Keys that lost an acknowledged write (or resurrected a removed one).
        public var lost = 0
        /// Keys whose read failed or went unanswered.
        public var unanswered = 0
        /// A few lost keys, described.
        public var examples: [String] = []
    }
}

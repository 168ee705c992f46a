import ChordClient
import ChordCore
import ToolSupport

/// Runs one key operation through a random live node within the operation timeout: when
/// the node it went through was killed meanwhile, it is tried again through another live
/// node with the time left. Any other failure ends it.
struct OperationRunner: Sendable {
    let membership: Membership
    let timeout: Duration

    /// What came back: nil when it failed; for a get, the value read (nil inside: none).
    struct Outcome: Sendable {
        let answer: [UInt8]??
        let latency: Duration
        /// Through how many nodes it was tried.
        let attempts: Int
        /// Why it failed, in a word or two (nil: it did not).
        var failure: String? = nil
        /// The node it last went through.
        var lastVia: NodeAddress? = nil
        /// The same node (nil: none was live).
        var via: LiveNode? = nil
    }

    func run(_ operation: KeyOperation, key: Int) async -> Outcome {
        let clock = ContinuousClock()
        let started = clock.now
        let deadline = started + timeout
        var attempts = 0
        var failure = "no live node"
        var via: NodeAddress?
        var last: LiveNode?
        while true {
            let remaining = deadline - clock.now
            guard remaining > .zero, let node = membership.randomNode() else { break }
            attempts += 1
            via = node.process.address
            last = node
            let result = await Self.within(remaining) { () async throws(ChordClientError) -> [UInt8]? in
                try await Self.send(operation, key: key, through: node.client)
            }
            switch result {
            case .some(.success(let value)):
                return Outcome(answer: .some(value), latency: clock.now - started, attempts: attempts, via: node)
            case .some(.failure) where !node.isAlive:
                failure = "via node killed"
                continue  // the via node was killed under the request: another one, with the time left
            case .some(.failure(let error)):
                return Outcome(answer: .none, latency: clock.now - started, attempts: attempts, failure: Self.reason(error),
                               lastVia: via, via: node)
            case .none:
                return Outcome(answer: .none, latency: clock.now - started, attempts: attempts, failure: "deadline",
                               lastVia: via, via: node)
            }
        }
        return Outcome(answer: .none, latency: clock.now - started, attempts: attempts, failure: failure, lastVia: via, via: last)
    }

    /// A failure's kind, for counting.
    private static func reason(_ error: ChordClientError) -> String {
        switch error {
        case .invalidKey: return "invalid key"
        case .valueTooLarge: return "value too large"
        case .rejected(let status): return "rejected \(status)"
        case .noAnswer: return "no answer"
        case .ringTimedOut: return "ring timed out"
        case .refused(let status): return "refused \(status)"
        case .authenticationFailed: return "authentication failed"
        case .unexpectedAnswer: return "unexpected answer"
        case .socketFailure: return "socket failure"
        case .closed: return "client closed"
        case .cancelled: return "cancelled"
        }
    }

    /// Sends the operation; a get returns what it read, put and remove return nil.
    private static func send(_ operation: KeyOperation, key: Int, through client: ChordClient)
        async throws(ChordClientError) -> [UInt8]? {
        let name = KeyLedger.name(key)
        switch operation {
        case .put(let value):
            try await client.put(name, value)
            return nil
        case .get:
            return try await client.get(name)
        case .remove:
            _ = try await client.remove(name)
            return nil
        }
    }

    /// `body`'s result, or nil when `limit` passed first (`body` is then cancelled).
    private static func within<T: Sendable>(_ limit: Duration,
                                            _ body: @escaping @Sendable () async throws(ChordClientError) -> T)
        async -> Result<T, ChordClientError>? {
        await withTaskGroup(of: Result<T, ChordClientError>?.self) { group in
            group.addTask {
                do throws(ChordClientError) {
                    return .success(try await body())
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                try? await Task.sleep(for: limit)  // the operation's deadline, not synchronisation
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}

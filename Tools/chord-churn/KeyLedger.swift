import ChordCore
import Synchronization

/// A client operation on one key.
enum KeyOperation: Sendable {
    case put([UInt8])
    case get
    case remove
}

/// How an operation ended, as the ledger judges it.
enum OperationVerdict: Sendable {
    /// Answered in time (a get: with a value the key may hold).
    case ok
    /// A get answered with a value the key cannot hold.
    case wrongRead
    /// Not answered in time, or refused.
    case failed
}

/// What each key may hold, from the history of acknowledged and failed operations, and
/// which keys have an operation in flight (at most one: one writer per key).
///
/// After an acknowledged put or remove a key holds exactly that; after one that failed or
/// went unanswered it holds either that or what it could hold before (the write may have
/// reached some replicas). A read must return one of the allowed values; a final read that
/// does not is a lost (or resurrected) write. Thread-safe.
final class KeyLedger: Sendable {
    private struct State {
        /// Per key, the values it may hold (nil: no value).
        var allowed: [[[UInt8]?]]
        var busy: [Bool]
        var random: SeededRandom
        var nextValue: UInt64 = 0
    }

    /// Number of keys.
    let count: Int
    private let state: Mutex<State>

    /// A ledger of `count` keys, none written yet.
    init(count: Int, seed: UInt64) {
        self.count = count
        state = Mutex(State(allowed: Array(repeating: [nil], count: count), busy: Array(repeating: false, count: count),
                            random: SeededRandom(seed: seed)))
    }

    /// The key's name on the ring.
    static func name(_ key: Int) -> String { "k\(key)" }

    /// Claims an idle key and picks an operation for it (50% put, 40% get, 10% remove);
    /// nil when every key tried was busy. The caller must `settle` it.
    func claimRandom() -> (key: Int, operation: KeyOperation)? {
        state.withLock { state -> (Int, KeyOperation)? in
            for _ in 0..<16 {
                let key = state.random.nextInt(below: count)
                guard !state.busy[key] else { continue }
                state.busy[key] = true
                let roll = state.random.nextUnit()
                if roll < 0.5 {
                    state.nextValue += 1
                    return (key, .put(Array("v\(state.nextValue)-\(key)".utf8)))
                }
                return (key, roll < 0.9 ? .get : .remove)
            }
            return nil
        }
    }

    /// Claims `key` for a put of a fresh value (loading every key once); nil if busy.
    func claimPut(_ key: Int) -> KeyOperation? {
        state.withLock { state -> KeyOperation? in
            guard !state.busy[key] else { return nil }
            state.busy[key] = true
            state.nextValue += 1
            return .put(Array("v\(state.nextValue)-\(key)".utf8))
        }
    }

    /// Records how `operation` on `key` ended and releases the key. `answer` is nil when it
    /// failed; for a get, the value read (nil inside: none).
    func settle(_ key: Int, _ operation: KeyOperation, answer: [UInt8]??) -> OperationVerdict {
        state.withLock { state -> OperationVerdict in
            state.busy[key] = false
            switch (operation, answer) {
            case (.put(let written), .some):
                state.allowed[key] = [written]
                return .ok
            case (.remove, .some):
                state.allowed[key] = [nil]
                return .ok
            case (.get, .some(let seen)):
                return state.allowed[key].contains(where: { $0 == seen }) ? .ok : .wrongRead
            case (.put(let written), .none):
                if !state.allowed[key].contains(where: { $0 == written }) { state.allowed[key].append(written) }
                return .failed
            case (.remove, .none):
                if !state.allowed[key].contains(where: { $0 == nil }) { state.allowed[key].append(nil) }
                return .failed
            case (.get, .none):
                return .failed
            }
        }
    }

    /// Whether `value` (nil: none) is one `key` may hold.
    func allows(_ key: Int, _ value: [UInt8]?) -> Bool {
        state.withLock { $0.allowed[key].contains(where: { $0 == value }) }
    }

    /// The values `key` may hold, as text (for reports).
    func allowedText(_ key: Int) -> String {
        let values = state.withLock { $0.allowed[key] }
        return "[" + values.map { $0.map { String(decoding: $0, as: UTF8.self) } ?? "none" }.joined(separator: ", ") + "]"
    }
}

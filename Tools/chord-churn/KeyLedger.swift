import ChordCore
import Synchronization
import ToolSupport

/// The workload's `AllowedValues` and the generator that picks its operations, shared by
/// the client tasks. Thread-safe.
final class KeyLedger: Sendable {
    private struct State {
        var values: AllowedValues
        var random: SeededRandom
    }

    /// Number of keys.
    let count: Int
    private let state: Mutex<State>

    /// A ledger of `count` keys, none written yet.
    init(count: Int, seed: UInt64) {
        self.count = count
        state = Mutex(State(values: AllowedValues(count: count), random: SeededRandom(seed: seed)))
    }

    /// The key's name on the ring.
    static func name(_ key: Int) -> String { AllowedValues.name(key) }

    /// Claims an idle key and picks an operation for it (50% put, 40% get, 10% remove);
    /// nil when every key tried was busy. The caller must `settle` it.
    func claimRandom() -> (key: Int, operation: KeyOperation)? {
        state.withLock { state -> (Int, KeyOperation)? in
            for _ in 0..<16 {
                let key = state.random.nextInt(below: count)
                guard !state.values.isBusy(key) else { continue }
                state.values.claim(key)
                return (key, state.values.randomOperation(for: key, using: &state.random))
            }
            return nil
        }
    }

    /// Claims `key` for a put of a fresh value (loading every key once); nil if busy.
    func claimPut(_ key: Int) -> KeyOperation? {
        state.withLock { state -> KeyOperation? in
            guard !state.values.isBusy(key) else { return nil }
            state.values.claim(key)
            return .put(state.values.freshValue(for: key))
        }
    }

    /// Records how `operation` on `key` ended and releases the key (see `AllowedValues.settle`).
    func settle(_ key: Int, _ operation: KeyOperation, answer: [UInt8]??) -> OperationVerdict {
        state.withLock { $0.values.settle(key, operation, answer: answer) }
    }

    /// Whether `value` (nil: none) is one `key` may hold.
    func allows(_ key: Int, _ value: [UInt8]?) -> Bool {
        state.withLock { $0.values.allows(value, for: key) }
    }

    /// The values `key` may hold, as text (for reports).
    func allowedText(_ key: Int) -> String {
        state.withLock { $0.values.allowedText(key) }
    }
}

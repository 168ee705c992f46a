import ChordCore

/// A client operation on one key of a workload.
public enum KeyOperation: Hashable, Sendable {
    /// Write this value.
    case put([UInt8])
    /// Read the key.
    case get
    /// Remove the key.
    case remove
}

/// How an operation ended, as the ledger judges it.
public enum OperationVerdict: Hashable, Sendable {
    /// Acknowledged (a get: with a value the key may hold).
    case ok
    /// A get answered with a value the key cannot hold.
    case wrongRead
    /// Refused, or not answered in time.
    case failed
}

/// The bookkeeping of a key-value workload with one writer per key: what each key may hold,
/// from the history of acknowledged and unconfirmed operations, and which keys have an
/// operation in flight.
///
/// After an acknowledged put or remove a key holds exactly that; after one that failed or
/// went unanswered it holds either that or what it could hold before (the write may have
/// reached some replicas). A read must return one of the allowed values; a final read that
/// does not is a lost (or resurrected) write. Keys are numbered 0..<count and named "k0",
/// "k1", ... on the ring; put values are "v<n>-<key>", n counting every value made.
public struct AllowedValues: Sendable {
    /// Number of keys.
    public let count: Int
    /// Per key, the values it may hold (nil stands for "no value").
    private var allowed: [[[UInt8]?]]
    private var busy: [Bool]
    private var valuesMade: UInt64 = 0

    /// `count` keys, none written yet (each may hold only "no value"), none in flight.
    public init(count: Int) {
        self.count = count
        allowed = Array(repeating: [nil], count: count)
        busy = Array(repeating: false, count: count)
    }

    /// The key's name on the ring.
    public static func name(_ key: Int) -> String { "k\(key)" }

    /// Whether `key` has an operation in flight.
    public func isBusy(_ key: Int) -> Bool { busy[key] }

    /// Marks `key` as having an operation in flight; `settle` or `release` ends it.
    public mutating func claim(_ key: Int) { busy[key] = true }

    /// Ends `key`'s operation without recording anything about it.
    public mutating func release(_ key: Int) { busy[key] = false }

    /// A new value for a put of `key`.
    public mutating func freshValue(for key: Int) -> [UInt8] {
        valuesMade += 1
        return Array("v\(valuesMade)-\(key)".utf8)
    }

    /// An operation for `key` drawn from `random`: a put of a fresh value (50%), a get (40%)
    /// or a remove (10%).
    public mutating func randomOperation(for key: Int, using random: inout SeededRandom) -> KeyOperation {
        let roll = random.nextUnit()
        if roll < 0.5 { return .put(freshValue(for: key)) }
        return roll < 0.9 ? .get : .remove
    }

    /// Records how `operation` on `key` ended and releases the key. `answer` is nil when it
    /// failed or went unanswered; else for a get the value read (nil inside: none), for a
    /// write nil inside.
    public mutating func settle(_ key: Int, _ operation: KeyOperation, answer: [UInt8]??) -> OperationVerdict {
        busy[key] = false
        switch (operation, answer) {
        case (.put(let written), .some):
            allowed[key] = [written]
            return .ok
        case (.remove, .some):
            allowed[key] = [nil]
            return .ok
        case (.get, .some(let seen)):
            return allows(seen, for: key) ? .ok : .wrongRead
        case (.put(let written), .none):
            if !allows(written, for: key) { allowed[key].append(written) }
            return .failed
        case (.remove, .none):
            if !allows(nil, for: key) { allowed[key].append(nil) }
            return .failed
        case (.get, .none):
            return .failed
        }
    }

    /// Whether `value` (nil: none) is one `key` may hold.
    public func allows(_ value: [UInt8]?, for key: Int) -> Bool {
        allowed[key].contains { $0 == value }
    }

    /// The values `key` may hold (nil: none), oldest first.
    public func values(of key: Int) -> [[UInt8]?] { allowed[key] }

    /// A value as text: its UTF-8, or "none".
    public static func text(_ value: [UInt8]?) -> String {
        value.map { String(decoding: $0, as: UTF8.self) } ?? "none"
    }

    /// The values `key` may hold, as text: "[v3-7, none]".
    public func allowedText(_ key: Int) -> String {
        "[" + allowed[key].map(Self.text).joined(separator: ", ") + "]"
    }
}

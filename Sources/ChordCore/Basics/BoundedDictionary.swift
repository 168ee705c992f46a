/// A dictionary that keeps at most `capacity` entries: when a new key would exceed it, the key
/// inserted longest ago goes (first in, first out: cheap, and enough for the tables a stranger
/// can make grow, whose bound matters more than which entry is dropped). A key removed and set
/// again counts from its first insertion.
public struct BoundedDictionary<Key: Hashable, Value> {
    private var entries: [Key: Value] = [:]
    /// Keys in insertion order from `head` on (removed keys may linger until they come up).
    private var order: [Key] = []
    private var head = 0
    /// The most entries kept.
    public let capacity: Int

    /// An empty dictionary holding at most `capacity` entries.
    public init(capacity: Int) {
        precondition(capacity > 0, "a bounded dictionary needs room for one entry")
        self.capacity = capacity
    }

    /// The value for `key`, if kept.
    public subscript(key: Key) -> Value? {
        entries.isEmpty ? nil : entries[key]
    }

    /// Entries kept.
    public var count: Int { entries.count }
    /// Whether nothing is kept.
    public var isEmpty: Bool { entries.isEmpty }
    /// The values, in no particular order (sort before anything order-dependent).
    public var values: Dictionary<Key, Value>.Values { entries.values }

    /// Sets the value for `key` (a new key may push out the oldest).
    public mutating func set(_ value: Value, for key: Key) {
        if entries.updateValue(value, forKey: key) != nil { return }
        order.append(key)
        while entries.count > capacity && head < order.count {
            entries.removeValue(forKey: order[head])
            head += 1
        }
        if head > capacity && head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }

    /// Removes `key`; returns its value.
    @discardableResult
    public mutating func removeValue(forKey key: Key) -> Value? {
        entries.removeValue(forKey: key)
    }

    /// Keeps only the entries `isIncluded` accepts.
    public mutating func filter(_ isIncluded: (Key, Value) -> Bool) {
        entries = entries.filter { isIncluded($0.key, $0.value) }
        order = order[head...].filter { entries[$0] != nil }
        head = 0
    }
}

/// A binary min-heap of (deadline, sequence, payload), ordered by deadline then insertion.
///
/// Used by the core for RPC timeouts and lookup restarts and by the simulator for its event
/// queue. Cancelling is lazy: owners check on pop whether an entry is still wanted.
public struct DeadlineHeap<Payload> {
    @usableFromInline
    struct Entry {
        @usableFromInline var deadline: Instant
        @usableFromInline var sequence: UInt64
        @usableFromInline var payload: Payload

        @usableFromInline
        init(deadline: Instant, sequence: UInt64, payload: Payload) {
            self.deadline = deadline
            self.sequence = sequence
            self.payload = payload
        }

        @inlinable
        func precedes(_ other: Entry) -> Bool {
            deadline != other.deadline ? deadline < other.deadline : sequence < other.sequence
        }
    }

    @usableFromInline var entries: [Entry] = []
    @usableFromInline var nextSequence: UInt64 = 0

    /// An empty heap.
    public init() {}

    /// Number of entries, including lazily cancelled ones.
    @inlinable public var count: Int { entries.count }
    /// Whether the heap is empty.
    @inlinable public var isEmpty: Bool { entries.isEmpty }
    /// The earliest deadline, if any.
    @inlinable public var earliest: Instant? { entries.first?.deadline }
    /// The earliest entry, without removing it.
    @inlinable public var first: (deadline: Instant, payload: Payload)? {
        entries.first.map { ($0.deadline, $0.payload) }
    }

    /// Adds a payload due at `deadline`; entries with equal deadlines pop in insertion order.
    @inlinable
    public mutating func insert(_ payload: Payload, at deadline: Instant) {
        entries.append(Entry(deadline: deadline, sequence: nextSequence, payload: payload))
        nextSequence &+= 1
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].precedes(entries[parent]) else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the earliest entry.
    @inlinable
    public mutating func popEarliest() -> (deadline: Instant, payload: Payload)? {
        guard !entries.isEmpty else { return nil }
        entries.swapAt(0, entries.count - 1)
        let top = entries.removeLast()
        var parent = 0
        let count = entries.count
        while true {
            let left = 2 * parent + 1
            if left >= count { break }
            var smallest = left
            let right = left + 1
            if right < count && entries[right].precedes(entries[left]) { smallest = right }
            guard entries[smallest].precedes(entries[parent]) else { break }
            entries.swapAt(parent, smallest)
            parent = smallest
        }
        return (top.deadline, top.payload)
    }

    /// Removes and returns the earliest entry if it is due at or before `now`.
    @inlinable
    public mutating func popDue(at now: Instant) -> (deadline: Instant, payload: Payload)? {
        guard let first = entries.first, first.deadline <= now else { return nil }
        return popEarliest()
    }
}

import ChordCore

/// Live members sorted by identifier, with their host indices.
struct MemberIndex {
    struct Entry {
        let id: Identifier
        let host: Int
    }

    private(set) var entries: [Entry] = []

    var count: Int { entries.count }

    /// Index of the first entry with id >= `id` (entries.count when none).
    func lowerBound(_ id: Identifier) -> Int {
        entries.lowerBound(of: id, identifier: \.id)
    }

    mutating func insert(_ id: Identifier, host: Int) {
        let position = lowerBound(id)
        if position < entries.count && entries[position].id == id { return }
        entries.insert(Entry(id: id, host: host), at: position)
    }

    mutating func remove(_ id: Identifier) {
        let position = lowerBound(id)
        if position < entries.count && entries[position].id == id { entries.remove(at: position) }
    }

    /// The member responsible for `id`: the first at or after it, wrapping.
    func owner(of id: Identifier) -> Entry? {
        guard !entries.isEmpty else { return nil }
        let position = lowerBound(id)
        return entries[position == entries.count ? 0 : position]
    }
}

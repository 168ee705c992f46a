import ChordCore

/// A node's data directory (`chord-node --data-dir`, docs/STORAGE.md): who owns it, and what
/// it holds.
///
/// Layout: `LOCK` (held with `flock` while a node runs: two processes never share a
/// directory), `NODE` (the address the directory belongs to, written once), snapshots
/// `snapshot-N` (the whole store as of the end of log segment N) and log segments `log-N`
/// (every change of the store, in order). Recovery loads the newest snapshot and replays the
/// segments after it.
package final class DataDirectory: Sendable {
    /// The directory.
    package let path: String
    /// The address it belongs to.
    package let address: NodeAddress
    private let lockDescriptor: Int32

    /// Opens (creating it if needed) the directory for the node advertising `address`: takes
    /// its lock and checks that it belongs to `address`.
    package init(path: String, address: NodeAddress) throws(DataDirectoryError) {
        self.path = path
        self.address = address
        try Self.makeDirectories(path)
        let lock = try Self.check(Syscalls.openFile(path + "/LOCK", create: true, append: false),
                                  "cannot open \(path)/LOCK")
        switch Syscalls.lockExclusively(lock) {
        case .success(true):
            lockDescriptor = lock
        case .success(false):
            Syscalls.close(lock)
            throw DataDirectoryError("\(path) is in use by another running node (its LOCK is held); give each node its own --data-dir")
        case .failure(let error):
            Syscalls.close(lock)
            throw DataDirectoryError("cannot lock \(path)/LOCK: \(error)")
        }
        do throws(DataDirectoryError) {
            try claim()
        } catch {
            Syscalls.close(lockDescriptor)
            throw error
        }
    }

    deinit {
        Syscalls.close(lockDescriptor)  // releases the lock
    }

    /// Creates `path` and any missing directory above it.
    private static func makeDirectories(_ path: String) throws(DataDirectoryError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            try check(Syscalls.makeDirectory(prefix), "cannot create the data directory \(path)")
            prefix += "/"
        }
    }

    /// Checks `NODE` names this node, or writes it into a directory that holds no data yet.
    private func claim() throws(DataDirectoryError) {
        let names = try files()
        let text = address.description
        if names.contains("NODE") {
            let owner: [UInt8]
            do {
                owner = try SmallFile.read(atPath: path + "/NODE", maximumBytes: 300)
            } catch {
                throw DataDirectoryError("cannot read \(path)/NODE: \(error)")
            }
            let ownerText = String(decoding: owner, as: UTF8.self).trimmingWhitespace
            guard ownerText == text else {
                throw DataDirectoryError("\(path) belongs to the node at \(ownerText), not \(text): its keys are that node's. "
                                         + "Start that node with it, or give this node a directory of its own")
            }
            return
        }
        if names.contains(where: { Self.number(of: $0, prefix: "log-") != nil || Self.number(of: $0, prefix: "snapshot-") != nil }) {
            throw DataDirectoryError("\(path) holds data but no NODE file naming its node; if it is this node's "
                                     + "(\(text)), write that address into \(path)/NODE")
        }
        try writeDurably(name: "NODE", Array((text + "\n").utf8))
    }

    // MARK: Recovery

    /// What recovery found.
    package struct Recovery {
        /// The store as of the last durable record.
        package var store = KeyValueStore()
        /// The highest clock reading persisted.
        package var clockHighWater: UInt64 = 0
        /// Records read (snapshot and log).
        package var records = 0
        /// A torn last record dropped (a crash in the middle of a write), if any: where.
        package var tornRecord: String?
        /// The snapshot loaded (its number), if any.
        package var snapshot: Int?
        /// Log segments replayed.
        package var segments: [Int] = []
        /// Bytes read.
        package var bytes = 0
        /// The number for the next log segment.
        package var nextSegment = 1
        /// Bytes of log written since the snapshot (to plan the next compaction).
        package var logBytes = 0
        /// Bytes of the snapshot loaded.
        package var snapshotBytes = 0
    }

    /// Rebuilds the store: the newest snapshot, then every later log segment in order. A
    /// torn record at the very end of the newest segment is cut off and reported; any other
    /// damage throws, naming the file and offset. Leftovers of an interrupted compaction
    /// (temporary files, segments the snapshot covers) are removed.
    package func recover() throws(DataDirectoryError) -> Recovery {
        var recovery = Recovery()
        let names = try files()
        let snapshots = names.compactMap { Self.number(of: $0, prefix: "snapshot-") }.sorted()
        let segments = names.compactMap { Self.number(of: $0, prefix: "log-") }.sorted()
        for name in names where name.hasSuffix(".tmp") { _ = Syscalls.removeFile(path + "/" + name) }
        if let newest = snapshots.last {
            recovery.snapshot = newest
            let name = Self.snapshotName(newest)
            let bytes = try readFile(name)
            recovery.snapshotBytes = bytes.count
            try replay(bytes, file: name, magic: StoreRecord.snapshotMagic, isLast: false, isSnapshot: true, into: &recovery)
        }
        let covered = recovery.snapshot ?? 0
        for number in snapshots where number < covered { _ = Syscalls.removeFile(path + "/" + Self.snapshotName(number)) }
        for number in segments where number <= covered { _ = Syscalls.removeFile(path + "/" + Self.segmentName(number)) }
        let live = segments.filter { $0 > covered }
        for (position, number) in live.enumerated() {
            let name = Self.segmentName(number)
            let bytes = try readFile(name)
            let before = recovery.bytes
            try replay(bytes, file: name, magic: StoreRecord.logMagic, isLast: position == live.count - 1, isSnapshot: false,
                       into: &recovery)
            recovery.logBytes += recovery.bytes - before
            recovery.segments.append(number)
        }
        // What was read may have been in the page cache only (the process crashed, not the
        // machine): on disk before a newer segment exists, so that a later power cut cannot
        // leave a torn record anywhere but in the newest segment.
        if let newest = live.last { try syncFile(Self.segmentName(newest)) }
        recovery.nextSegment = max(covered, segments.last ?? 0) + 1
        return recovery
    }

    private func replay(_ bytes: [UInt8], file: String, magic: [UInt8], isLast: Bool, isSnapshot: Bool,
                        into recovery: inout Recovery) throws(DataDirectoryError) {
        let damaged = { (offset: Int, what: String) -> DataDirectoryError in
            DataDirectoryError("\(self.path)/\(file) is damaged at byte \(offset): \(what). The node stops rather than serve "
                               + "a partial store. To start anyway, move the directory aside (keep it for inspection) and "
                               + "start with an empty one: the node rejoins and anti-entropy fetches its keys from their "
                               + "other replicas")
        }
        guard bytes.count >= magic.count else {
            // A segment created just before a crash may not have its magic yet.
            if isLast && !isSnapshot && (bytes.allSatisfy({ $0 == 0 }) || magic.starts(with: bytes)) {
                recovery.tornRecord = "\(file) at byte 0"
                try truncate(file, to: 0)
                return
            }
            throw damaged(0, "too short for its header")
        }
        guard Array(bytes[0..<magic.count]) == magic else { throw damaged(0, "not a \(isSnapshot ? "snapshot" : "log segment")") }
        var offset = magic.count
        var count: UInt64 = 0
        var ended = false
        var tornAt: Int?
        let outcome = bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> DataDirectoryError? in
            while offset < raw.count {
                guard !ended else { return damaged(offset, "data after the snapshot's end record") }
                switch StoreRecord.read(UnsafeRawBufferPointer(rebasing: raw[offset...])) {
                case .success(let (record, size)):
                    switch record {
                    case .entry(let entry): recovery.store.apply(entry, id: .forKey(bytes: entry.key))
                    case .erase(let key): recovery.store.delete(.forKey(bytes: key))
                    case .clock(let highWater): recovery.clockHighWater = max(recovery.clockHighWater, highWater)
                    case .end(let expected):
                        guard isSnapshot, expected == count else { return damaged(offset, "an end record that does not fit") }
                        ended = true
                    }
                    count += 1
                    offset += size
                case .failure(let flaw):
                    // Only the newest segment's last record may be torn: everything before it
                    // was written, and synced, before it.
                    let isTail = flaw == .incomplete || Self.isLastRecord(raw, at: offset)
                    if isLast && !isSnapshot && isTail && !Self.isMalformed(flaw) {
                        tornAt = offset
                        return nil
                    }
                    return damaged(offset, Self.describe(flaw))
                }
            }
            return nil
        }
        if let outcome { throw outcome }
        if let tornAt {
            recovery.tornRecord = "\(file) at byte \(tornAt)"
            try truncate(file, to: tornAt)
        }
        if isSnapshot && !ended { throw damaged(bytes.count, "the snapshot has no end record") }
        recovery.records += Int(count)
        recovery.bytes += tornAt ?? bytes.count
    }

    private static func isMalformed(_ flaw: StoreRecord.Flaw) -> Bool {
        if case .malformed = flaw { return true }
        return false
    }

    private static func describe(_ flaw: StoreRecord.Flaw) -> String {
        switch flaw {
        case .incomplete: return "a record is cut short"
        case .checksum: return "a record's checksum does not match"
        case .malformed(let what): return what
        }
    }

    /// Whether the record at `offset` claims to end exactly at the end of the file, or the
    /// bytes from there on are all zero (a write the disk had not finished).
    private static func isLastRecord(_ raw: UnsafeRawBufferPointer, at offset: Int) -> Bool {
        if raw[offset...].allSatisfy({ $0 == 0 }) { return true }
        guard raw.count - offset >= StoreRecord.headerBytes else { return true }
        let length = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
        return offset + StoreRecord.headerBytes + length == raw.count
    }

    // MARK: Files

    /// The file names in the directory.
    package func files() throws(DataDirectoryError) -> [String] {
        try Self.check(Syscalls.listDirectory(path), "cannot list \(path)")
    }

    static func segmentName(_ number: Int) -> String { "log-" + padded(number) }
    static func snapshotName(_ number: Int) -> String { "snapshot-" + padded(number) }

    private static func padded(_ number: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, 12 - digits.count)) + digits
    }

    /// The number in a name like "log-000000000012", or nil.
    static func number(of name: String, prefix: String) -> Int? {
        guard name.hasPrefix(prefix) else { return nil }
        let digits = name.dropFirst(prefix.count)
        guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit) else { return nil }
        return Int(digits)
    }

    /// The whole file `name`.
    func readFile(_ name: String) throws(DataDirectoryError) -> [UInt8] {
        let descriptor = try Self.check(Syscalls.openFile(path + "/" + name, create: false, append: false), "cannot open \(path)/\(name)")
        defer { Syscalls.close(descriptor) }
        let size = try Self.check(Syscalls.fileSize(descriptor), "cannot read \(path)/\(name)")
        var bytes = [UInt8](repeating: 0, count: size)
        var offset = 0
        while offset < size {
            let count = try Self.check(bytes.withUnsafeMutableBytes { raw in
                Syscalls.read(descriptor, at: offset, into: UnsafeMutableRawBufferPointer(rebasing: raw[offset...]))
            }, "cannot read \(path)/\(name)")
            if count == 0 { break }
            offset += count
        }
        bytes.removeLast(size - offset)
        return bytes
    }

    private func syncFile(_ name: String) throws(DataDirectoryError) {
        let descriptor = try Self.check(Syscalls.openFile(path + "/" + name, create: false, append: false), "cannot open \(path)/\(name)")
        defer { Syscalls.close(descriptor) }
        try Self.check(Syscalls.syncAll(descriptor), "cannot sync \(path)/\(name)")
    }

    private func truncate(_ name: String, to size: Int) throws(DataDirectoryError) {
        let descriptor = try Self.check(Syscalls.openFile(path + "/" + name, create: false, append: false), "cannot open \(path)/\(name)")
        defer { Syscalls.close(descriptor) }
        try Self.check(Syscalls.truncate(descriptor, to: size), "cannot cut the torn record off \(path)/\(name)")
        try Self.check(Syscalls.syncAll(descriptor), "cannot sync \(path)/\(name)")
    }

    /// Writes a small file whole and durably: a temporary file, synced, renamed over `name`,
    /// and the directory synced.
    func writeDurably(name: String, _ bytes: [UInt8]) throws(DataDirectoryError) {
        let temporary = path + "/" + name + ".tmp"
        let descriptor = try Self.check(Syscalls.openFile(temporary, create: true, append: false), "cannot create \(temporary)")
        let written = bytes.withUnsafeBytes { Syscalls.writeFile(descriptor, $0) }.flatMap { Syscalls.syncAll(descriptor) }
        Syscalls.close(descriptor)
        try Self.check(written, "cannot write \(temporary)")
        try Self.check(Syscalls.rename(temporary, to: path + "/" + name), "cannot rename \(temporary)")
        try syncDirectory()
    }

    /// Makes the directory's entries (new, renamed, removed files) durable.
    func syncDirectory() throws(DataDirectoryError) {
        let descriptor = try Self.check(Syscalls.openDirectory(path), "cannot open \(path)")
        defer { Syscalls.close(descriptor) }
        try Self.check(Syscalls.syncAll(descriptor), "cannot sync \(path)")
    }

    @discardableResult
    static func check<T>(_ result: Result<T, SystemError>, _ what: @autoclosure () -> String) throws(DataDirectoryError) -> T {
        switch result {
        case .success(let value): return value
        case .failure(let error): throw DataDirectoryError("\(what()): \(error)")
        }
    }
}

/// Why a data directory cannot be used; the message says what to do.
package struct DataDirectoryError: Error, CustomStringConvertible, Sendable {
    /// The whole message.
    package let description: String

    init(_ description: String) {
        self.description = description
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

extension String {
    fileprivate var trimmingWhitespace: String {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return String(text)
    }
}

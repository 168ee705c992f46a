import ChordCore
import Foundation
import Testing
@testable import ChordNet

/// A fresh directory under the system's temporary directory, removed by `remove()`.
private struct Scratch {
    let path: String

    init() {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("chord-data-\(UUID().uuidString)").path
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    func bytes(_ name: String) -> [UInt8] { Array(FileManager.default.contents(atPath: path + "/" + name) ?? Data()) }

    func write(_ name: String, _ bytes: [UInt8]) { _ = FileManager.default.createFile(atPath: path + "/" + name, contents: Data(bytes)) }

    var names: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() }
}

private let me = NodeAddress(ipv4: 0x7F00_0001, port: 4100)

private func entry(_ key: String, _ value: String?, _ timestamp: UInt64) -> StoredEntry {
    StoredEntry(key: Array(key.utf8), value: value.map { Array($0.utf8) }, version: Version(timestamp: timestamp << 16, writer: 9))
}

private func batch(_ sequence: UInt64, _ records: [PersistRecord]) -> PersistBatch {
    PersistBatch(sequence: sequence, records: records, clockHighWater: sequence << 16 | 0xFF)
}

/// Opens the directory, recovers it, and writes `batches` with the `never` policy.
private func write(_ batches: [PersistBatch], into scratch: Scratch, compactionBytes: Int? = nil) throws -> Persister {
    let directory = try DataDirectory(path: scratch.path, address: me)
    let recovery = try directory.recover()
    let persister = try Persister(directory: directory, recovery: recovery, policy: .never, logger: .silent) {}
    if let compactionBytes { persister.compactionBytes = compactionBytes }
    var replica = recovery.store
    for batch in batches {
        #expect(try persister.write(batch) == batch.sequence)
        for record in batch.records {
            switch record {
            case .entry(let entry): replica.apply(entry, id: .forKey(bytes: entry.key))
            case .erase(let key): replica.delete(.forKey(bytes: key))
            }
        }
        persister.compactIfDue(store: replica)
    }
    return persister
}

private func recover(_ scratch: Scratch) throws -> DataDirectory.Recovery {
    try DataDirectory(path: scratch.path, address: me).recover()
}

private func waitForCompactions(_ persister: Persister, count: Int) {
    for _ in 0..<2_000 where persister.compactions < count { usleep(5_000) }
}

@Suite("Data directory: CRC-32C, records, recovery, ownership")
struct DataDirectoryTests {
    @Test func crc32cCheckValues() {
        // RFC 3720 B.4 and the CRC catalogue's check value.
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum(Array(0...31 as ClosedRange<UInt8>)) == 0x46DD_794E)
        #expect(CRC32C.checksum([UInt8]()) == 0)
    }

    @Test func recordsRoundTrip() {
        let records: [StoreRecord] = [.entry(entry("k", "value", 3)), .entry(entry("gone", nil, 4)), .erase(key: Array("x".utf8)),
                                      .clock(77), .end(count: 4)]
        var bytes: [UInt8] = []
        for record in records { record.append(to: &bytes) }
        var offset = 0
        var read: [StoreRecord] = []
        bytes.withUnsafeBytes { raw in
            while offset < raw.count, case .success(let (record, size)) = StoreRecord.read(UnsafeRawBufferPointer(rebasing: raw[offset...])) {
                read.append(record)
                offset += size
            }
        }
        #expect(read == records)
        #expect(offset == bytes.count)
        // Cut short, or one bit flipped: never a record.
        bytes.withUnsafeBytes { raw in
            #expect(StoreRecord.read(UnsafeRawBufferPointer(rebasing: raw[0..<10])).failure == .incomplete)
        }
        var flipped = bytes
        flipped[12] ^= 0x10
        flipped.withUnsafeBytes { #expect(StoreRecord.read($0).failure == .checksum) }
    }

    @Test func writtenBatchesComeBack() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        try write([batch(1, [.entry(entry("a", "1", 1)), .entry(entry("b", "2", 2))]),
                   batch(2, [.entry(entry("a", "3", 5)), .erase(key: Array("b".utf8))]),
                   batch(3, [.entry(entry("c", nil, 6))])], into: scratch).close()
        let recovery = try recover(scratch)
        #expect(recovery.store.item(.forKey("a"))?.value == Array("3".utf8))
        #expect(recovery.store.item(.forKey("b")) == nil)
        #expect(recovery.store.item(.forKey("c"))?.isTombstone == true)
        #expect(recovery.clockHighWater == 3 << 16 | 0xFF)
        #expect(recovery.tornRecord == nil)
        #expect(recovery.records == 8)
        #expect(recovery.nextSegment == 2)
    }

    @Test func tornLastRecordIsCutOffAndCounted() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        try write([batch(1, [.entry(entry("a", "1", 1))]), batch(2, [.entry(entry("b", "2", 2))])], into: scratch).close()
        let segment = "log-000000000001"
        let whole = scratch.bytes(segment)
        // Every cut inside the last batch (its entry and its clock record) loses that batch only.
        var lastBatch: [UInt8] = []
        StoreRecord.entry(entry("b", "2", 2)).append(to: &lastBatch)
        StoreRecord.clock(2 << 16 | 0xFF).append(to: &lastBatch)
        let firstBatchEnd = whole.count - lastBatch.count
        for cut in [firstBatchEnd + 1, firstBatchEnd + 9, whole.count - 3] {
            scratch.write(segment, Array(whole[0..<cut]))
            let recovery = try recover(scratch)
            #expect(recovery.store.item(.forKey("a")) != nil)
            let expectB = cut > firstBatchEnd + lastBatch.count - 17  // the entry record itself is complete
            #expect((recovery.store.item(.forKey("b")) != nil) == expectB)
            #expect(recovery.tornRecord != nil)
            // The tail was cut off on disk: a second recovery finds nothing torn.
            #expect(try recover(scratch).tornRecord == nil)
        }
        // Zeros where the last record should be (the disk had not written it): torn too.
        scratch.write(segment, Array(whole[0..<firstBatchEnd]) + [UInt8](repeating: 0, count: 40))
        let zeroed = try recover(scratch)
        #expect(zeroed.tornRecord == "\(segment) at byte \(firstBatchEnd)")
        #expect(zeroed.store.item(.forKey("b")) == nil)
    }

    @Test func damageBeforeTheEndStopsRecoveryNamingFileAndOffset() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        try write([batch(1, [.entry(entry("a", "1", 1))]), batch(2, [.entry(entry("b", "2", 2))])], into: scratch).close()
        var bytes = scratch.bytes("log-000000000001")
        bytes[20] ^= 0x01  // inside the first record's body
        scratch.write("log-000000000001", bytes)
        #expect {
            _ = try recover(scratch)
        } throws: { error in
            let text = "\(error)"
            return text.contains("log-000000000001 is damaged at byte 8") && text.contains("move the directory aside")
        }
    }

    @Test func oneDirectoryOneNode() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        do {
            let first = try DataDirectory(path: scratch.path, address: me)
            // The lock is held while the first is open.
            #expect { _ = try DataDirectory(path: scratch.path, address: me) } throws: { "\($0)".contains("in use by another running node") }
            withExtendedLifetime(first) {}
        }
        // Another address is refused, naming the owner.
        #expect {
            _ = try DataDirectory(path: scratch.path, address: NodeAddress(ipv4: 0x7F00_0001, port: 4101))
        } throws: { "\($0)".contains("belongs to the node at 127.0.0.1:4100") }
        #expect(try DataDirectory(path: scratch.path, address: me).address == me)
    }

    @Test func compactionWritesASnapshotAndRecoveryMatches() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        var batches: [PersistBatch] = []
        for sequence in 1...400 {
            let key = "key\(sequence % 50)"
            let record: PersistRecord = sequence % 7 == 0 ? .erase(key: Array(key.utf8))
                : .entry(entry(key, String(repeating: "v", count: sequence % 90), UInt64(sequence)))
            batches.append(batch(UInt64(sequence), [record]))
        }
        var expected = KeyValueStore()
        var compactions = 0
        do {
            // The persister (and the directory's lock) goes before the directory is recovered.
            let persister = try write(batches, into: scratch, compactionBytes: 2_000)
            waitForCompactions(persister, count: 1)
            for _ in 0..<400 where persister.isCompacting { usleep(5_000) }
            persister.close()
            compactions = persister.compactions
        }
        for batch in batches {
            for record in batch.records {
                switch record {
                case .entry(let entry): expected.apply(entry, id: .forKey(bytes: entry.key))
                case .erase(let key): expected.delete(.forKey(bytes: key))
                }
            }
        }
        #expect(compactions >= 1)
        #expect(scratch.names.contains { $0.hasPrefix("snapshot-") })
        let recovery = try recover(scratch)
        #expect(recovery.snapshot != nil)
        #expect(recovery.store.allIdentifiers == expected.allIdentifiers)
        for id in expected.allIdentifiers { #expect(recovery.store.item(id)?.entry == expected.item(id)?.entry) }
        #expect(recovery.clockHighWater == 400 << 16 | 0xFF)
        // Segments the snapshot covers are gone.
        let snapshot = recovery.snapshot!
        #expect(!scratch.names.contains { DataDirectory.number(of: $0, prefix: "log-").map { $0 <= snapshot } ?? false })
    }
}

extension Result {
    fileprivate var failure: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}

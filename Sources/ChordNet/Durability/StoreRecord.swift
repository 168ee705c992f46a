import ChordCore

/// The records of a node's data directory (docs/STORAGE.md): what a log segment and a
/// snapshot hold, and how each is framed on disk.
///
/// A file is an 8-byte magic ("CHORDLG1" for a log segment, "CHORDSN1" for a snapshot)
/// followed by records. A record is its body's length (u32), the body's CRC-32C (u32), then
/// the body: a type byte and its fields, all integers little-endian.
///
/// | type | record | fields |
/// |---|---|---|
/// | 1 | value | timestamp u64, writer u64, key length u16, key, value length u32, value |
/// | 2 | tombstone | timestamp u64, writer u64, key length u16, key |
/// | 3 | erase | key length u16, key |
/// | 4 | clock | the hybrid clock's high-water mark u64 |
/// | 5 | end (snapshots only, last) | records before it u64 |
package enum StoreRecord: Equatable, Sendable {
    /// A key holds this entry (a tombstone when its value is nil).
    case entry(StoredEntry)
    /// A key is no longer held.
    case erase(key: [UInt8])
    /// Versions issued so far are at most this.
    case clock(UInt64)
    /// A snapshot ends here, after `count` records.
    case end(count: UInt64)

    /// Bytes before a record's body: length and checksum.
    package static let headerBytes = 8
    /// The largest body a record may have: a maximal key and value and their fields.
    package static let maximumBodyBytes = 1 + 16 + 2 + StorageLimits.maximumKeyBytes + 4 + StorageLimits.maximumValueBytes

    /// The magic that starts each kind of file.
    package static let logMagic = Array("CHORDLG1".utf8)
    package static let snapshotMagic = Array("CHORDSN1".utf8)

    /// Appends the framed record to `output`.
    package func append(to output: inout [UInt8]) {
        let start = output.count
        output.append(contentsOf: [0, 0, 0, 0, 0, 0, 0, 0])
        switch self {
        case .entry(let entry):
            output.append(entry.value == nil ? 2 : 1)
            Self.put(entry.version.timestamp, into: &output)
            Self.put(entry.version.writer, into: &output)
            Self.putKey(entry.key, into: &output)
            if let value = entry.value {
                Self.put(UInt32(value.count), into: &output)
                output.append(contentsOf: value)
            }
        case .erase(let key):
            output.append(3)
            Self.putKey(key, into: &output)
        case .clock(let highWater):
            output.append(4)
            Self.put(highWater, into: &output)
        case .end(let count):
            output.append(5)
            Self.put(count, into: &output)
        }
        let bodyStart = start + Self.headerBytes
        let crc = output.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[bodyStart...])) }
        let length = UInt32(output.count - bodyStart)
        output.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: length.littleEndian, toByteOffset: start, as: UInt32.self)
            raw.storeBytes(of: crc.littleEndian, toByteOffset: start + 4, as: UInt32.self)
        }
    }

    /// Why bytes are not a record.
    package enum Flaw: Error, Equatable, Sendable {
        /// The bytes end before the record does (a torn write, when at a file's end).
        case incomplete
        /// The checksum does not match the body.
        case checksum
        /// The checksum matches but the body is not a record (a bug, or corruption the CRC
        /// missed): the length is impossible, the type unknown, the fields do not fit.
        case malformed(String)
    }

    /// Reads the record at the start of `bytes`: the record and its framed size, or a flaw.
    package static func read(_ bytes: UnsafeRawBufferPointer) -> Result<(StoreRecord, Int), Flaw> {
        guard bytes.count >= headerBytes else { return .failure(.incomplete) }
        let length = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt32.self)))
        let crc = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        guard length >= 1, length <= maximumBodyBytes else {
            // A zeroed or overwritten header: as much as a checksum failure.
            return .failure(length == 0 && crc == 0 ? .incomplete : .checksum)
        }
        guard bytes.count >= headerBytes + length else { return .failure(.incomplete) }
        let body = UnsafeRawBufferPointer(rebasing: bytes[headerBytes..<headerBytes + length])
        guard CRC32C.checksum(body) == crc else { return .failure(.checksum) }
        var reader = BodyReader(bytes: body)
        guard let record = reader.record(), reader.isAtEnd else {
            return .failure(.malformed("record of \(length) bytes, type \(body[0]), does not parse"))
        }
        return .success((record, headerBytes + length))
    }

    private static func put<T: FixedWidthInteger>(_ value: T, into output: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { output.append(contentsOf: $0) }
    }

    private static func putKey(_ key: [UInt8], into output: inout [UInt8]) {
        put(UInt16(key.count), into: &output)
        output.append(contentsOf: key)
    }
}

/// Reads a record body field by field; nil when a field does not fit.
private struct BodyReader {
    let bytes: UnsafeRawBufferPointer
    var offset = 0

    var isAtEnd: Bool { offset == bytes.count }

    mutating func record() -> StoreRecord? {
        guard let type = integer(UInt8.self) else { return nil }
        switch type {
        case 1, 2:
            guard let timestamp = integer(UInt64.self), let writer = integer(UInt64.self), let key = key() else { return nil }
            var value: [UInt8]?
            if type == 1 {
                guard let length = integer(UInt32.self), let bytes = take(Int(length)) else { return nil }
                value = bytes
            }
            return .entry(StoredEntry(key: key, value: value, version: Version(timestamp: timestamp, writer: writer)))
        case 3:
            return key().map { .erase(key: $0) }
        case 4:
            return integer(UInt64.self).map { .clock($0) }
        case 5:
            return integer(UInt64.self).map { .end(count: $0) }
        default:
            return nil
        }
    }

    private mutating func key() -> [UInt8]? {
        guard let length = integer(UInt16.self), length > 0, Int(length) <= StorageLimits.maximumKeyBytes else { return nil }
        return take(Int(length))
    }

    private mutating func integer<T: FixedWidthInteger>(_: T.Type) -> T? {
        guard offset + MemoryLayout<T>.size <= bytes.count else { return nil }
        defer { offset += MemoryLayout<T>.size }
        return T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    private mutating func take(_ count: Int) -> [UInt8]? {
        guard count >= 0, offset + count <= bytes.count else { return nil }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }
}

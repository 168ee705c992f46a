import ChordCore

/// Client-side checks of keys and values, made before anything is sent: a node drops a
/// datagram with an empty or over-long key without answering, so the client must refuse
/// such keys itself.
public enum KeyValidation {
    /// The key's UTF-8 bytes, or `invalidKey` when there are none or more than
    /// `StorageLimits.maximumKeyBytes`.
    public static func bytes(of key: String) throws(ChordClientError) -> [UInt8] {
        let bytes = Array(key.utf8)
        guard !bytes.isEmpty else { throw .invalidKey("the key is empty") }
        guard bytes.count <= StorageLimits.maximumKeyBytes else {
            throw .invalidKey("the key is \(bytes.count) bytes of UTF-8 (at most \(StorageLimits.maximumKeyBytes))")
        }
        return bytes
    }

    /// Throws `valueTooLarge` when `value` is longer than `StorageLimits.maximumValueBytes`.
    public static func check(value: [UInt8]) throws(ChordClientError) {
        guard value.count <= StorageLimits.maximumValueBytes else { throw .valueTooLarge(value.count) }
    }
}

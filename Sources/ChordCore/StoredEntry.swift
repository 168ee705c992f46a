/// One stored key: its bytes, its value (nil: a tombstone left by a remove) and its version.
public struct StoredEntry: Sendable, Equatable {
    /// The key's UTF-8 bytes.
    public let key: [UInt8]
    /// The value, or nil for a removed key (kept as a tombstone so the removal wins).
    public let value: [UInt8]?
    /// Which write this is.
    public let version: Version

    /// An entry.
    public init(key: [UInt8], value: [UInt8]?, version: Version) {
        self.key = key
        self.value = value
        self.version = version
    }
}

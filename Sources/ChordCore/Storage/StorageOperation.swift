/// A storage operation a coordinator asks a key's owner to carry out.
public enum StorageOperation: Sendable, Equatable {
    /// Read the key (from a read quorum of replicas).
    case get(key: [UInt8])
    /// Write the key (to a write quorum of replicas).
    case put(key: [UInt8], value: [UInt8])
    /// Remove the key (write a tombstone to a write quorum).
    case remove(key: [UInt8])

    /// The key's bytes.
    public var key: [UInt8] {
        switch self {
        case .get(let key), .put(let key, _), .remove(let key): return key
        }
    }
}

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

/// Size limits of keys and values.
public enum StorageLimits {
    /// Keys are 1 to 1,024 bytes of UTF-8.
    public static let maximumKeyBytes = 1024
    /// Values are up to 64,000 bytes: what fits one UDP datagram (65,507 bytes over IPv4)
    /// together with a maximal key and the largest header that carries a value.
    public static let maximumValueBytes = 64_000
}

extension StorageOperation {
    /// Bytes of its key and value.
    var byteCount: Int {
        if case .put(let key, let value) = self { return key.count + value.count }
        return key.count
    }

    /// Why the operation is refused before any work, or nil.
    var refusal: Status? {
        let key = self.key
        guard !key.isEmpty, key.count <= StorageLimits.maximumKeyBytes else { return .keyTooLarge }
        guard String(validating: key, as: UTF8.self) != nil else { return .badRequest }
        if case .put(_, let value) = self, value.count > StorageLimits.maximumValueBytes { return .valueTooLarge }
        return nil
    }
}

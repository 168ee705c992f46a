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

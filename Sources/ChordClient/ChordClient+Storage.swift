import ChordCore

/// Reads and writes of keys.
extension ChordClient {
    /// Stores `value` under `key` (a write quorum of the key's replicas acknowledged it).
    public func put(_ key: String, _ value: [UInt8]) async throws(ChordClientError) {
        let keyBytes = try KeyValidation.bytes(of: key)
        try KeyValidation.check(value: value)
        let (status, _) = try await storageRequest(.put(key: keyBytes, value: value))
        guard status == .ok else { throw .unexpectedAnswer("put answered \(status)") }
    }

    /// The value stored under `key`, or nil when it has none (never written, or removed).
    public func get(_ key: String) async throws(ChordClientError) -> [UInt8]? {
        let keyBytes = try KeyValidation.bytes(of: key)
        let (status, value) = try await storageRequest(.get(key: keyBytes))
        return status == .ok ? (value ?? []) : nil
    }

    /// Removes `key`; false when it had no value.
    public func remove(_ key: String) async throws(ChordClientError) -> Bool {
        let keyBytes = try KeyValidation.bytes(of: key)
        let (status, _) = try await storageRequest(.remove(key: keyBytes))
        return status == .ok
    }

    /// Sends a get, put or remove to the via node: `ok` or `notFound` with the value; other
    /// statuses are thrown.
    private func storageRequest(_ message: Message) async throws(ChordClientError) -> (Status, [UInt8]?) {
        let (_, answer) = try await call(message, to: via)
        guard case .result(let status, let value) = answer else {
            throw .unexpectedAnswer("\(answer) to a storage request")
        }
        if let error = ChordClientError(status: status) { throw error }
        return (status, value)
    }
}

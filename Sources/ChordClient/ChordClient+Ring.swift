import ChordCore

/// Lookups and the ring's shape.
extension ChordClient {
    /// Asks the via node to look up `key`'s identifier (SHA-1 of its UTF-8 bytes) and report
    /// every hop; see `lookup(id:)`.
    public func lookup(key: String) async throws(ChordClientError) -> LookupTrace {
        _ = try KeyValidation.bytes(of: key)
        return try await lookup(id: .forKey(key))
    }

    /// Asks the via node to look `id` up and report every hop, the owner and its successors.
    /// A trace whose `status` is not `ok` (the lookup timed out, or hit its hop limit) is
    /// returned, not thrown, so that its hops can be shown.
    public func lookup(id: Identifier) async throws(ChordClientError) -> LookupTrace {
        let (_, answer) = try await call(.traceLookup(target: id), to: via)
        guard case .trace(let trace) = answer else { throw .unexpectedAnswer("\(answer) to a lookup") }
        return trace
    }

    /// A node's description (predecessor, successors, fingers, key counts): the via node's,
    /// or `node`'s.
    public func info(of node: NodeAddress? = nil) async throws(ChordClientError) -> (node: Peer, info: NodeInfo) {
        let (peer, answer) = try await call(.getInfo, to: node ?? via)
        guard case .info(let info) = answer else { throw .unexpectedAnswer("\(answer) to getInfo") }
        return (peer, info)
    }

    /// Every node of the ring in ring order, starting at the via node: walks from node to
    /// first successor until back at the start (or at a node already seen, or after
    /// `maximumNodes`). A successor that does not answer is skipped for the next one in its
    /// predecessor's successor list.
    public func ring(maximumNodes: Int = 10_000) async throws(ChordClientError) -> [(node: Peer, info: NodeInfo)] {
        let start = try await info()
        var members = [start]
        var seen: Set<Identifier> = [start.node.id]
        while members.count < max(1, maximumNodes) {
            let current = members[members.count - 1]
            var next: (node: Peer, info: NodeInfo)?
            var lastError: ChordClientError?
            for candidate in current.info.successors where candidate.id != current.node.id {
                if seen.contains(candidate.id) { return members }
                do {
                    next = try await info(of: candidate.address)
                    break
                } catch {
                    if error == .closed || error == .cancelled { throw error }
                    lastError = error
                }
            }
            guard let next else {
                if let lastError { throw lastError }
                return members  // no successors: a ring of one
            }
            if !seen.insert(next.node.id).inserted { return members }
            members.append(next)
        }
        return members
    }
}

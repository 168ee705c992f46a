/// Who is waiting for an owner operation's outcome.
enum OwnerRequester {
    /// A coordinator elsewhere, answered with `.result` (and remembered in the reply cache).
    case remote(ReplyCache.Key)
    /// A client operation this node coordinates itself.
    case coordinator(operationID: UInt64)
}

/// A write or read this node carries out as a key's owner: it stores or reads locally, then
/// asks replicas along its successor list until a quorum has answered.
///
/// Replicas are tried in successor order; the first `needed` are asked at once, and each one
/// that stays silent is replaced by the next successor, so a dead replica costs a timeout,
/// not the operation.
final class OwnerOperation {
    let operation: StorageOperation
    let keyID: Identifier
    let requester: OwnerRequester
    /// Remote answers still needed (acknowledgements for a write, entries for a read).
    var needed: Int
    /// Successors not asked yet, nearest first.
    var spare: [Peer]
    /// Requests out.
    var outstanding = 0
    /// For a write: the entry written. For a read: the newest entry seen so far.
    var entry: StoredEntry?
    /// For a write: the status to answer once the quorum is reached.
    var writeStatus = Status.ok
    /// For a read: replicas that answered, with what they hold (for read repair).
    var readAnswers: [(peer: Peer, version: Version?)] = []
    var finished = false

    init(operation: StorageOperation, keyID: Identifier, requester: OwnerRequester, needed: Int, spare: [Peer]) {
        self.operation = operation
        self.keyID = keyID
        self.requester = requester
        self.needed = needed
        self.spare = spare
    }

    var isRead: Bool {
        if case .get = operation { return true }
        return false
    }
}

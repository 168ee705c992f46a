/// Who asked for a client operation.
enum ClientRequester {
    /// A client over the network: answer to its address with its request id (and remember
    /// the answer in the reply cache).
    case remote(ReplyCache.Key)
    /// A local caller (`Input.request`), answered with `.requestCompleted`.
    case local(token: UInt64)
}

/// A get, put or remove this node coordinates for a client: find the key's owner, hand it
/// the operation, follow redirects and route around silent owners until an answer or the
/// deadline.
final class ClientOperation {
    let requester: ClientRequester
    let operation: StorageOperation
    let keyID: Identifier
    /// When it must be answered (`timedOut` if nothing better by then).
    let deadline: Instant
    /// Owners asked so far (bounded).
    var attempts = 0
    /// Whether the next owner must come from a full lookup (the shortcut failed).
    var needsLookup = false

    init(requester: ClientRequester, operation: StorageOperation, keyID: Identifier, deadline: Instant) {
        self.requester = requester
        self.operation = operation
        self.keyID = keyID
        self.deadline = deadline
    }
}

/// chord-node's exit statuses (listed in its usage text).
enum ExitStatus {
    /// It left the ring gracefully: every key handed to its successor.
    static let left: Int32 = 0
    /// The leave could not hand every key over, a second signal forced it, or a failure
    /// (the data directory, the socket) stopped it.
    static let failed: Int32 = 1
    /// The command line was refused (`UsageError`).
    static let usage: Int32 = 2
    /// It could not bind the --listen address: in use, not this host's, or privileged.
    static let cannotListen: Int32 = 3
    /// --join-timeout passed before it joined.
    static let joinTimedOut: Int32 = 4
}

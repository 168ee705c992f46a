import Synchronization

/// The thread-safe side of a `NodeRunner`: read its status, ask it to leave, from any thread.
public final class RunnerControl: Sendable {
    private let published: Mutex<RunnerStatus>
    let wakePipe: WakePipe

    init(status: RunnerStatus, wakePipe: WakePipe) {
        self.published = Mutex(status)
        self.wakePipe = wakePipe
    }

    /// The latest snapshot (updated after every wake-up of the runner).
    public var status: RunnerStatus {
        published.withLock { $0 }
    }

    /// Asks the runner to leave the ring gracefully, as SIGTERM does. A second request during
    /// the leave stops it at once.
    public func requestLeave() {
        wakePipe.post(WakeReason.leaveRequest)
    }

    func publish(_ status: RunnerStatus) {
        published.withLock { $0 = status }
    }
}

/// What the bytes in the wake pipe mean: a signal number, or a request.
enum WakeReason {
    /// `RunnerControl.requestLeave()`; signal numbers are below this.
    static let leaveRequest: UInt8 = 0xFF
    /// The sync thread made more of the store durable (`Persister`).
    static let durable: UInt8 = 0xFE
}

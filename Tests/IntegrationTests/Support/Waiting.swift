import Dispatch
import Foundation
import Synchronization

/// A test failure with a description (a deadline passed, a process misbehaved).
struct IntegrationFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Waits (without blocking a thread) for `process` to exit, at most `timeout`; its status, or
/// nil when it is still running. `process.terminationHandler` must not be set by anyone else.
final class ExitWatcher: Sendable {
    private let state = Mutex<(status: Int32?, waiter: CheckedContinuation<Int32?, Never>?)>((nil, nil))
    private let started = Mutex<ContinuousClock.Instant?>(nil)
    private let exitedAt = Mutex<ContinuousClock.Instant?>(nil)

    /// Installs the termination handler; call before `process.run()`.
    init(_ process: Process) {
        process.terminationHandler = { [self] finished in
            exitedAt.withLock { $0 = ContinuousClock.now }
            let status = finished.terminationStatus
            let waiter = state.withLock { state -> CheckedContinuation<Int32?, Never>? in
                state.status = status
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: status)
        }
    }

    /// Notes the instant the process was started (call right before `process.run()`).
    func noteStart() {
        started.withLock { $0 = ContinuousClock.now }
    }

    /// From `noteStart()` to the exit, as seen by the termination handler's thread: how long
    /// the process ran, whatever delays the waiting task.
    var runTime: Duration? {
        guard let start = started.withLock({ $0 }), let end = exitedAt.withLock({ $0 }) else { return nil }
        return end - start
    }

    /// The exit status, waiting at most `timeout` for it.
    func wait(timeout: Duration) async -> Int32? {
        await withCheckedContinuation { (continuation: CheckedContinuation<Int32?, Never>) in
            let done = state.withLock { state -> Int32?? in
                if let status = state.status { return .some(status) }
                state.waiter = continuation
                return .none
            }
            if let done {
                continuation.resume(returning: done)
                return
            }
            let nanoseconds = timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(nanoseconds))) { [self] in
                let waiter = state.withLock { state -> CheckedContinuation<Int32?, Never>? in
                    defer { state.waiter = nil }
                    return state.waiter
                }
                waiter?.resume(returning: nil)
            }
        }
    }
}

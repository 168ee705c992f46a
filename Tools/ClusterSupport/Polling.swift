import Dispatch

/// Runs blocking work (starting a process and reading its first line, waiting for its exit)
/// on a Dispatch thread, so that the cooperative thread pool is never blocked.
public func offload<T: Sendable, E: Error>(_ work: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
    let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, E>, Never>) in
        DispatchQueue.global().async {
            do throws(E) {
                continuation.resume(returning: .success(try work()))
            } catch {
                continuation.resume(returning: .failure(error))
            }
        }
    }
    return try result.get()
}

/// Polls `probe` every `interval` until it returns a value or `timeout` passes (then nil).
/// The probe runs at least once, and once more at the deadline; a cancelled task stops
/// polling (nil).
public func poll<T, E: Error>(timeout: Duration, interval: Duration = .milliseconds(100),
                              _ probe: () async throws(E) -> T?) async throws(E) -> T? {
    let deadline = ContinuousClock.now + timeout
    while true {
        if let value = try await probe() { return value }
        if ContinuousClock.now >= deadline { return nil }
        // Re-checking another process's state, bounded by the deadline.
        do { try await Task.sleep(for: min(interval, deadline - ContinuousClock.now)) } catch { return nil }
    }
}

import ChordNet
import Foundation

/// Moves a runner to a thread of its own, which runs `run()` until the runner stops.
///
/// The runner is not thread-safe; after this call only its `control` may be used by others.
func runOnOwnThread(_ runner: SystemNodeRunner) -> RunnerControl {
    let control = runner.control
    let handOff = HandOff(runner)
    let thread = Thread {
        _ = handOff.runner.run()
    }
    thread.name = "runner \(runner.address)"
    thread.start()
    return control
}

/// Carries the runner to its thread; the creating thread never touches it again.
private final class HandOff: @unchecked Sendable {
    let runner: SystemNodeRunner
    init(_ runner: SystemNodeRunner) { self.runner = runner }
}

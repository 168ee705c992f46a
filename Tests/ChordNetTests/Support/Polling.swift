import ChordCore
import ChordNet

/// Waits until `condition` holds, checking every few milliseconds, for at most `seconds`.
/// Returns whether it held. Polls state; it does not sleep a fixed time to synchronise.
func eventually(within seconds: Double = 10, _ condition: () -> Bool) async -> Bool {
    let deadline = MonotonicClock.now() + Nanos.fromSeconds(seconds)
    while MonotonicClock.now() < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return condition()
}

/// A loopback IPv4 endpoint with port 0 (the kernel picks a free one).
let anyLoopbackPort = NodeAddress(ipv4: 0x7F00_0001, port: 0)

/// The IPv6 loopback with port 0.
let anyIPv6LoopbackPort = NodeAddress(ipv6High: 0, ipv6Low: 1, port: 0)

/// Whether this machine can bind ::1 (some containers have no IPv6).
let ipv6LoopbackAvailable: Bool = (try? UDPSocket(binding: anyIPv6LoopbackPort)) != nil

/// Options for runners in tests: nothing on standard output.
func quietRunnerOptions() -> RunnerOptions {
    var options = RunnerOptions()
    options.announceOnStandardOutput = false
    return options
}

/// A fast-stabilizing configuration for loopback rings.
func fastConfig() -> NodeConfig {
    var config = NodeConfig()
    config.stabilizeInterval = Nanos.milliseconds(50)
    config.fixFingersInterval = Nanos.milliseconds(50)
    config.checkPredecessorInterval = Nanos.milliseconds(50)
    return config
}

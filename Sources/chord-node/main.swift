import ChordCore
import ChordNet
import CommandLineSupport

/// chord-node: one Chord DHT node on a UDP socket. See `usage` in Options.swift.

let settings = usage.settings(program: "chord-node") { arguments throws(UsageError) in try NodeSettings(arguments) }

let logger = Logger(verbose: settings.verbose)

var options = RunnerOptions()
options.handleTerminationSignals = true
var generator = SystemRandomNumberGenerator()
let seed = generator.next() ^ UInt64(bitPattern: MonotonicClock.now().nanoseconds)

let runner: SystemNodeRunner
do {
    runner = try NodeRunner(listen: settings.listen, config: settings.config, seed: seed,
                            codec: WireCodecAdapter(clusterKey: settings.clusterKey?.key), logger: logger, options: options)
} catch {
    logger.error("cannot listen on \(settings.listen): \(error)")
    CurrentProcess.exit(1)
}

if let clusterKey = settings.clusterKey {
    logger.info("authenticating every datagram with the \(clusterKey.key) from \(clusterKey.path)")
}
runner.start(bootstrap: settings.join)
let reason = runner.run()
let traffic = runner.traffic
logger.info("sent \(traffic.datagramsSent), received \(traffic.datagramsReceived), malformed \(traffic.malformedDropped), "
            + "unauthenticated \(traffic.unauthenticatedDropped), stale \(traffic.staleDropped), refusals sent \(traffic.refusalsSent), "
            + "oversized \(traffic.oversizedDropped), send errors \(traffic.sendErrors)")
switch reason {
case .leaveCompleted: CurrentProcess.exit(0)
case .leaveIncomplete, .leaveTimedOut, .forced, .failed: CurrentProcess.exit(1)
}

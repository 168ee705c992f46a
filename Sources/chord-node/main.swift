import ChordCore
import ChordNet
import CommandLineSupport

/// chord-node: one Chord DHT node on a UDP socket. See `usage` in Options.swift.

let settings = usage.settings(program: "chord-node") { arguments throws(UsageError) in try NodeSettings(arguments) }

let logger = Logger(verbose: settings.verbose)

var options = RunnerOptions()
options.handleTerminationSignals = true
options.faults = settings.faults
options.joinTimeout = settings.joinTimeout
options.faults.seed = UInt64(bitPattern: MonotonicClock.now().nanoseconds) | 1
var generator = SystemRandomNumberGenerator()
let seed = generator.next() ^ UInt64(bitPattern: MonotonicClock.now().nanoseconds)

let runner: SystemNodeRunner
do {
    runner = try NodeRunner(listen: settings.listen, advertise: settings.advertise, config: settings.config, seed: seed,
                            codec: WireCodecAdapter(clusterKey: settings.clusterKey?.key), logger: logger, options: options)
} catch {
    logger.error("cannot listen on \(settings.listen): \(error.bindAdvice(for: settings.listen))")
    CurrentProcess.exit(ExitStatus.cannotListen)
}

if let advertised = settings.advertise {
    // Peers believe a datagram only when it comes from the address its sender advertises.
    // NAT or port forwarding can make that true for an address this host does not have, so
    // this is a warning, not an error.
    if let local = try? LocalAddresses.all(), !local.contains(advertised.with(port: 0)) {
        let list = local.prefix(8).map(\.hostText).joined(separator: ", ")
        logger.warning("--advertise \(advertised): \(advertised.hostText) is not an address of this host (\(list)); peers will drop "
                       + "this node's datagrams unless they arrive from \(advertised.hostText) (through NAT or port forwarding)")
    } else if !settings.listen.isWildcard, settings.listen.with(port: 0) != advertised.with(port: 0) {
        logger.warning("--advertise \(advertised) with --listen \(settings.listen): this node's datagrams leave from "
                       + "\(settings.listen.hostText), and peers will drop them unless they arrive from \(advertised.hostText)")
    }
}

if let path = settings.dataDirectory {
    // The store comes back before the node answers anything.
    let started = MonotonicClock.now()
    do {
        let directory = try DataDirectory(path: path, address: runner.address)
        let recovery = try directory.recover()
        try runner.keepStore(in: directory, recovery: recovery, policy: settings.syncPolicy,
                             compactionBytes: settings.compactionBytes, reserveBytes: settings.reserveBytes)
        let milliseconds = Int(Double(MonotonicClock.now() - started) / 1e6)
        let store = recovery.store
        let snapshot = recovery.snapshot.map { ", snapshot \($0)" } ?? ""
        let files = "\(recovery.records) records, \(recovery.bytes) bytes\(snapshot), \(recovery.segments.count) log segments"
        logger.info("recovered \(store.liveCount) keys and \(store.tombstoneCount) tombstones (\(files)) from \(path) "
                    + "in \(milliseconds) ms; fsync \(settings.syncPolicy)")
        if let torn = recovery.tornRecord {
            logger.warning("dropped a torn last record (a write cut short by a crash) in \(torn)")
        }
    } catch {
        logger.error("\(error)")
        CurrentProcess.exit(ExitStatus.failed)
    }
}

if settings.faults.isActive {
    logger.warning("injecting faults (a test facility): loss \(settings.faults.lossRate), delay \(Double(settings.faults.delay) / 1e6) ms +/- \(Double(settings.faults.jitter) / 1e6) ms")
}
if let clusterKey = settings.clusterKey {
    logger.info("authenticating every datagram with the \(clusterKey.key) from \(clusterKey.path)")
}
runner.start(bootstrap: settings.join, resolvingAgain: settings.joinTargets)
let reason = runner.run()
let traffic = runner.traffic
logger.info("sent \(traffic.datagramsSent), received \(traffic.datagramsReceived), malformed \(traffic.malformedDropped), "
            + "unauthenticated \(traffic.unauthenticatedDropped), stale \(traffic.staleDropped), refusals sent \(traffic.refusalsSent), "
            + "oversized \(traffic.oversizedDropped), send errors \(traffic.sendErrors)"
            + (settings.faults.isActive ? ", fault-dropped \(traffic.faultDropped), fault-delayed \(traffic.faultDelayed)" : ""))
switch reason {
case .leaveCompleted: CurrentProcess.exit(ExitStatus.left)
case .leaveIncomplete, .leaveTimedOut, .forced, .failed: CurrentProcess.exit(ExitStatus.failed)
case .joinTimedOut: CurrentProcess.exit(ExitStatus.joinTimedOut)
}

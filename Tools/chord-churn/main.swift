import ChordNet
import ClusterSupport
import CommandLineSupport
import Foundation

/// chord-churn: a ring of real chord-node processes under a client workload while nodes are
/// SIGKILLed and restarted; checks that nothing acknowledged was lost. See `usage`.

let settings = usage.settings(program: "chord-churn") { arguments throws(UsageError) in try ChurnSettings(arguments) }

let harness: Harness
let ticker: Ticker
do {
    harness = try Harness(settings: settings)
    ticker = try Ticker(metrics: harness.metrics, membership: harness.membership, csvPath: settings.csvPath)
} catch {
    StandardStreams.printError("chord-churn: \(error)")
    CurrentProcess.exit(1)
}

// Interrupted: kill every node started, by PID, then exit.
Interrupts.onInterrupt { [cluster = harness.cluster, bed = harness.bed] in
    cluster.killAll()
    bed?.remove()
    StandardStreams.printError("\nchord-churn: interrupted; every node killed\(bed == nil ? "" : ", the test bed removed")")
}

StandardStreams.printError("chord-churn: seed \(settings.seed)")
let progress = Task { await ticker.run() }
let report = await harness.run()
progress.cancel()
await progress.value
harness.stop()
print(settings.json ? report.json : report.table)
CurrentProcess.exit(report.passed ? 0 : 1)

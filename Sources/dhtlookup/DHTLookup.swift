import ChordClient
import ChordCore
import ChordNet
import CommandLineSupport

/// dhtlookup: shows the path of a Chord lookup. See `usage` in LookupOptions.swift.
@main
enum DHTLookup {
    static func main() async {
        let settings: LookupSettings
        do {
            guard let parsed = try LookupSettings(arguments: Array(CommandLine.arguments.dropFirst())) else {
                StandardStreams.printOutput(usage.text)
                CurrentProcess.exit(0)
            }
            settings = parsed
        } catch {
            StandardStreams.exitWithUsageError(error.message, usage: usage, program: "dhtlookup")
        }
        CurrentProcess.exit(await run(settings))
    }

    /// Runs the lookup and prints it; returns the exit status.
    static func run(_ settings: LookupSettings) async -> Int32 {
        do throws(ChordClientError) {
            let client = try ChordClient(via: settings.via, timeout: settings.timeout, clusterKey: settings.clusterKey?.key)
            defer { client.close() }
            let started = MonotonicClock.now()
            let trace: LookupTrace
            if let key = settings.key {
                trace = try await client.lookup(key: key)
            } else {
                trace = try await client.lookup(id: settings.target)
            }
            let elapsed = MonotonicClock.now() - started
            StandardStreams.printOutput(settings.json ? TraceRendering.json(key: settings.key, trace: trace, elapsed: elapsed)
                                                      : TraceRendering.text(key: settings.key, trace: trace, elapsed: elapsed))
            if let error = ChordClientError(status: trace.status) {
                StandardStreams.printError("dhtlookup: lookup failed: \(trace.status)")
                return error.exitStatus
            }
            return 0
        } catch {
            StandardStreams.printError("dhtlookup: \(error)")
            return error.exitStatus
        }
    }
}

import ChordClient
import ChordCore
import ChordNet
import CommandLineSupport

/// dht: a command-line client of a Chord DHT. See `Usages.general`.
@main
enum DHT {
    static func main() async {
        let invocation: Invocation
        do {
            switch try Invocation.parse(Array(CommandLine.arguments.dropFirst())) {
            case .success(let parsed): invocation = parsed
            case .failure(let help):
                StandardStreams.printOutput(help.usage.text)
                CurrentProcess.exit(0)
            }
        } catch {
            StandardStreams.exitWithUsageError(error.message, usage: error.usage, program: "dht")
        }

        let client: ChordClient
        do {
            client = try ChordClient(via: invocation.via, timeout: invocation.timeout, clusterKey: invocation.clusterKey?.key)
        } catch {
            fail(error)
        }
        let status = await run(invocation, client: client)
        client.close()
        CurrentProcess.exit(status)
    }

    /// Carries out a parsed command; returns the exit status.
    static func run(_ invocation: Invocation, client: ChordClient) async -> Int32 {
        do throws(ChordClientError) {
            switch invocation.command {
            case .put(let key, let value):
                let bytes: [UInt8]
                if let value {
                    bytes = value
                } else {
                    guard let input = StandardStreams.readInput(limit: StorageLimits.maximumValueBytes) else {
                        StandardStreams.printError("dht: cannot read the value from stdin")
                        return 2
                    }
                    bytes = input
                }
                try await client.put(key, bytes)
            case .get(let key):
                guard let value = try await client.get(key) else { return notFound(key) }
                StandardStreams.writeOutput(value)
            case .remove(let key):
                guard try await client.remove(key) else { return notFound(key) }
            case .info:
                let (node, info) = try await client.info()
                StandardStreams.printOutput(invocation.json ? NodeRendering.infoJSON(node: node, info: info)
                                                            : NodeRendering.infoText(node: node, info: info))
            case .ring:
                let members = try await client.ring()
                StandardStreams.printOutput(invocation.json ? NodeRendering.ringJSON(members)
                                                            : NodeRendering.ringTable(members))
            case .interactive:
                return await Interactive.run(client)
            }
            return 0
        } catch {
            report(error)
            return error.exitStatus
        }
    }

    private static func notFound(_ key: String) -> Int32 {
        StandardStreams.printError("dht: '\(key)' not found")
        return 1
    }

    private static func report(_ error: ChordClientError) {
        if case .valueTooLarge = error {
            StandardStreams.printError("dht: value too large (at most \(StorageLimits.maximumValueBytes) bytes)")
        } else {
            StandardStreams.printError("dht: \(error)")
        }
    }

    private static func fail(_ error: ChordClientError) -> Never {
        report(error)
        CurrentProcess.exit(error.exitStatus)
    }
}

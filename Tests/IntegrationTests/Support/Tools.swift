import ClusterSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What one run of a command-line tool produced.
struct ToolResult: CustomStringConvertible {
    /// The exit status.
    let status: Int32
    let stdout: [UInt8]
    let stderr: [UInt8]
    /// From start to exit, measured off the test's task (so not delayed by a busy test pool).
    var runTime: Duration? = nil

    var output: String { String(decoding: stdout, as: UTF8.self) }
    var errors: String { String(decoding: stderr, as: UTF8.self) }

    var description: String {
        "exit \(status), stdout \(stdout.count) bytes: \(output.prefix(300).debugDescription), "
            + "stderr: \(errors.prefix(300).debugDescription)"
    }
}

/// Runs the project's command-line tools (dht, dhtlookup, chord-node) as processes.
enum Tools {
    /// Runs `name` (a binary next to the test runner, see `ChordBinaries`) with `arguments`,
    /// `stdin` as its standard input (empty input when nil), and collects its output and exit
    /// status. A tool still running after `timeout` is killed (SIGKILL, by PID) and the run
    /// fails. With `launcher` (a test bed host's `ip netns exec NAMESPACE`), the tool runs
    /// through it (the PID stays the tool's: it execs the tool).
    static func run(_ name: String, _ arguments: [String], stdin: [UInt8]? = nil,
                    launcher: (executable: URL, arguments: [String])? = nil,
                    timeout: Duration = .seconds(20)) async throws -> ToolResult {
        let binary = ChordBinaries.url(name)
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw IntegrationFailure("\(binary.path) is missing: build the package first (swift build --build-tests)")
        }
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("chord-tool-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outURL = directory.appendingPathComponent("stdout")
        let errURL = directory.appendingPathComponent("stderr")
        let inURL = directory.appendingPathComponent("stdin")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: inURL.path, contents: Data(stdin ?? []))

        let process = Process()
        process.executableURL = launcher?.executable ?? binary
        process.arguments = (launcher.map { $0.arguments + [binary.path] } ?? []) + arguments
        let output = try FileHandle(forWritingTo: outURL)
        let errors = try FileHandle(forWritingTo: errURL)
        let input = try FileHandle(forReadingFrom: inURL)
        defer {
            try? output.close()
            try? errors.close()
            try? input.close()
        }
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = input
        let watcher = ExitWatcher(process)
        watcher.noteStart()
        try process.run()
        guard let status = await watcher.wait(timeout: timeout) else {
            kill(process.processIdentifier, SIGKILL)
            _ = await watcher.wait(timeout: .seconds(5))
            throw IntegrationFailure("\(name) \(arguments.joined(separator: " ")) still ran after \(timeout); killed")
        }
        return ToolResult(status: status, stdout: Array(try Data(contentsOf: outURL)),
                          stderr: Array(try Data(contentsOf: errURL)), runTime: watcher.runTime)
    }

    /// `dht ARGUMENTS...`.
    static func dht(_ arguments: String..., stdin: [UInt8]? = nil, timeout: Duration = .seconds(20)) async throws -> ToolResult {
        try await run("dht", arguments, stdin: stdin, timeout: timeout)
    }

    /// `dhtlookup ARGUMENTS...`.
    static func dhtlookup(_ arguments: String..., timeout: Duration = .seconds(20)) async throws -> ToolResult {
        try await run("dhtlookup", arguments, timeout: timeout)
    }
}

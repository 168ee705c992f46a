import ChordCore
import ChordNet
import Foundation

/// One `chord-node` process started by a tool or test: its PID, the address it advertises and
/// its identifier, read from the line it prints once serving. Stopped by its PID only.
public final class NodeProcess: @unchecked Sendable {
    /// Why a node could not be started.
    public struct StartError: Error, CustomStringConvertible {
        /// What went wrong.
        public let message: String
        /// A readable description.
        public var description: String { message }
    }

    /// The process identifier.
    public let pid: Int32
    /// The address the node advertises.
    public let address: NodeAddress
    /// SHA-1 of that address: the node's identifier on the ring.
    public let id: Identifier
    /// The member it joined through (nil: it created a ring).
    public let bootstrap: NodeAddress?
    /// Where its standard error goes (nil: discarded).
    public let logFile: URL?
    /// The test bed host it runs in (nil: this machine's own network).
    public let host: NetworkBed.Host?
    private let process: Process
    /// Signalled once when the process exits.
    private let exited: DispatchSemaphore

    private init(process: Process, exited: DispatchSemaphore, address: NodeAddress, id: Identifier, bootstrap: NodeAddress?,
                 logFile: URL?, host: NetworkBed.Host?) {
        self.process = process
        self.exited = exited
        self.pid = process.processIdentifier
        self.address = address
        self.id = id
        self.bootstrap = bootstrap
        self.logFile = logFile
        self.host = host
    }

    /// The node as its peers know it.
    public var peer: Peer { Peer(id: id, address: address) }

    /// Starts `chord-node --listen listen [--join join] arguments...` and waits (at most
    /// `timeout`) for its `node <id> listening on HOST:PORT` line, whose identifier must be
    /// SHA-1 of the address. With `host`, the node runs inside that test bed host
    /// (`ip netns exec`, which execs the node: the PID is the node's).
    public static func start(binary: URL, listen: String = "127.0.0.1:0", join: NodeAddress? = nil,
                             arguments: [String] = [], logFile: URL? = nil, host: (NetworkBed.Host, NetworkBed)? = nil,
                             timeout: Duration = .seconds(10)) throws(StartError) -> NodeProcess {
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw StartError(message: "\(binary.path) is missing: build the package first (swift build)")
        }
        let process = Process()
        let nodeArguments = ["--listen", listen] + (join.map { ["--join", $0.description] } ?? []) + arguments
        if let (host, bed) = host {
            let launcher = bed.launcher(for: host)
            process.executableURL = launcher.executable
            process.arguments = launcher.arguments + [binary.path] + nodeArguments
        } else {
            process.executableURL = binary
            process.arguments = nodeArguments
        }
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = FileHandle.nullDevice
        if let logFile {
            _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
            process.standardError = (try? FileHandle(forWritingTo: logFile)) ?? FileHandle.nullDevice
        } else {
            process.standardError = FileHandle.nullDevice
        }
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        do {
            try process.run()
        } catch {
            throw StartError(message: "cannot start \(binary.path): \(error)")
        }
        guard let line = readLine(from: FileDescriptor(rawValue: output.fileHandleForReading.fileDescriptor), timeout: timeout) else {
            stopAbandoned(process, exited: exited)
            throw StartError(message: "\(binary.lastPathComponent) printed no listening line within \(timeout)")
        }
        // "node <40 hex> listening on HOST:PORT"
        let words = line.split(separator: " ")
        guard words.count == 5, words[0] == "node", let id = Identifier(hex: words[1]),
              let address = try? NodeAddress(parsing: String(words[4])) else {
            stopAbandoned(process, exited: exited)
            throw StartError(message: "unexpected first line from chord-node: \(line)")
        }
        guard id == Identifier.forNode(advertising: address.description) else {
            stopAbandoned(process, exited: exited)
            throw StartError(message: "node at \(address) reports id \(id.hex), not SHA-1 of its address")
        }
        return NodeProcess(process: process, exited: exited, address: address, id: id, bootstrap: join, logFile: logFile,
                           host: host?.0)
    }

    /// Stops a process that failed to start properly: SIGTERM, then SIGKILL; waits at most
    /// ten seconds in all.
    private static func stopAbandoned(_ process: Process, exited: DispatchSemaphore) {
        guard process.isRunning else { return }
        ProcessSignal.terminate.send(to: process.processIdentifier)
        if exited.wait(timeout: .now() + .seconds(5)) == .success { return }
        ProcessSignal.kill.send(to: process.processIdentifier)
        _ = exited.wait(timeout: .now() + .seconds(5))
    }

    /// Whether the process is still running.
    public var isRunning: Bool { process.isRunning }

    /// Sends SIGTERM (graceful leave) and waits up to `timeout` for the exit status.
    @discardableResult
    public func terminate(timeout: Duration = .seconds(15)) -> Int32? {
        guard process.isRunning else { return process.terminationStatus }
        ProcessSignal.terminate.send(to: pid)
        return waitForExit(timeout: timeout)
    }

    /// Sends SIGTERM without waiting.
    public func signalTermination() {
        if process.isRunning { ProcessSignal.terminate.send(to: pid) }
    }

    /// Sends SIGKILL without waiting.
    public func signalKill() {
        if process.isRunning { ProcessSignal.kill.send(to: pid) }
    }

    /// Sends SIGKILL (a crash) and reaps the process.
    public func crash() {
        guard process.isRunning else { return }
        ProcessSignal.kill.send(to: pid)
        _ = waitForExit(timeout: .seconds(5))
    }

    /// Waits for the process to exit; its status, or nil if it is still running after `timeout`.
    public func waitForExit(timeout: Duration) -> Int32? {
        if process.isRunning {
            let nanoseconds = timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
            guard exited.wait(timeout: .now() + .nanoseconds(Int(nanoseconds))) == .success else { return nil }
            exited.signal()  // for any later waiter
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Reads one line from `descriptor`, waiting at most `timeout` in total.
    private static func readLine(from descriptor: FileDescriptor, timeout: Duration) -> String? {
        let deadline = ContinuousClock.now + timeout
        var bytes: [UInt8] = []
        while ContinuousClock.now < deadline {
            let remaining = deadline - ContinuousClock.now
            let milliseconds = Int32(max(1, min(remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000, 1000)))
            guard (try? descriptor.waitUntilReadable(timeoutMilliseconds: milliseconds)) == true else { continue }
            var byte: UInt8 = 0
            let count = withUnsafeMutableBytes(of: &byte) { buffer in (try? descriptor.read(into: buffer)) ?? 0 }
            if count <= 0 { return nil }
            if byte == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte)
        }
        return nil
    }
}

import ClusterSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A short run of the chord-churn harness against real chord-node processes: nodes are
/// SIGKILLed every 3 s and restarted while the workload runs; nothing acknowledged may be lost.
@Suite struct ChurnHarnessTests {
    @Test(.timeLimit(.minutes(2)))
    func shortChurnRunLosesNothing() throws {
        let report = try churnRunLosingNothing("churn-test") { _ in
            ["--nodes", "6", "--duration", "30", "--kill-every", "3", "--stabilize", "0.3", "--keys", "500", "--warmup", "2"]
        }
        #expect(report["ring_exact_after_s"] is Double || report["ring_exact_after_s"] is Int, "the ring never became exact")
        #expect((report["kills"] as? Int ?? 0) >= 5, "it killed \(report["kills"] ?? "no") nodes")
        #expect((report["restarts"] as? Int ?? 0) >= 5)
    }

    /// The same with a cluster key on every node and client: authentication changes nothing
    /// that was acknowledged.
    @Test(.timeLimit(.minutes(2)))
    func shortChurnRunWithAClusterKeyLosesNothing() throws {
        let report = try churnRunLosingNothing("churn-key-test") { scratch in
            let key = scratch.appendingPathComponent("cluster.key")
            let hex = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
            _ = FileManager.default.createFile(atPath: key.path, contents: Data((hex + "\n").utf8))
            return ["--nodes", "5", "--duration", "15", "--kill-every", "3", "--stabilize", "0.3", "--keys", "300",
                    "--warmup", "2", "--cluster-key-file", key.path]
        }
        #expect((report["kills"] as? Int ?? 0) >= 3, "it killed \(report["kills"] ?? "no") nodes")
    }

    /// Across 4 network-namespace hosts: one host is cut off for 6 s under the workload, then
    /// healed; the ring is exact again, nothing acknowledged is lost, and each side's
    /// operations are counted.
    @Test(.timeLimit(.minutes(2)), .disabled(if: NetworkBed.unavailableReason != nil,
                                             Comment(rawValue: "SKIPPED: \(NetworkBed.unavailableReason ?? "")")))
    func partitionOfOneHostHealsAndLosesNothing() throws {
        let report = try churnRunLosingNothing("churn-partition") { _ in
            ["--hosts", "4", "--nodes", "8", "--scenario", "partition", "--partition-for", "6", "--stabilize", "0.3",
             "--keys", "300", "--warmup", "2", "--seed", "41"]
        }
        #expect(report["ring_exact_after_s"] is Double || report["ring_exact_after_s"] is Int, "the ring never became exact")
        let partition = try #require(report["partition"] as? [String: Any])
        #expect((partition["hosts_cut"] as? [String])?.count == 1)
        #expect(partition["nodes_cut"] as? Int == 2)
        for side in ["majority", "minority"] {
            let tally = try #require(report["partition_\(side)_side"] as? [String: Any], "no \(side) side figures")
            #expect((tally["ops"] as? Int ?? 0) > 0, "\(side) side: \(tally)")
        }
        #expect(NetworkBed.remnants(named: "churn").namespaces.isEmpty, "chord-churn left its test bed behind")
    }

    /// Runs chord-churn (with `--logs` and `--json`) in a new scratch directory, with the
    /// arguments `arguments` gives for it, and checks what every run must show: exit status 0,
    /// no acknowledged write lost, every key readable. Returns the JSON report; the scratch
    /// directory (and the node logs in it) is kept only when the run failed.
    private func churnRunLosingNothing(_ name: String, _ arguments: (URL) throws -> [String]) throws -> [String: Any] {
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let logs = scratch.appendingPathComponent("logs")
        let run = try ChurnRun(arguments: try arguments(scratch) + ["--logs", logs.path, "--json"], scratch: scratch,
                               limit: .seconds(100))
        let report = try #require(run.report, "no JSON report (exit status \(String(describing: run.status)); logs in \(logs.path))")
        #expect(run.status == 0, "exit status \(String(describing: run.status)); logs in \(logs.path)")
        #expect(report["lost_writes"] as? Int == 0, "lost writes: \(report["examples"] ?? "")")
        #expect(report["unreadable_keys"] as? Int == 0)
        if run.status == 0 { try? FileManager.default.removeItem(at: scratch) }
        return report
    }
}

/// One chord-churn process, run to its end (or killed after a limit), with its JSON report.
struct ChurnRun {
    let status: Int32?
    let report: [String: Any]?

    init(arguments: [String], scratch: URL, limit: Duration) throws {
        let output = scratch.appendingPathComponent("report.json")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let process = Process()
        process.executableURL = ChordBinaries.url("chord-churn")
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        // The harness must see SIGTERM (it then kills its nodes); the child inherits this mask.
        var termination = sigset_t(), previous = sigset_t()
        sigemptyset(&termination)
        sigaddset(&termination, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &termination, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        try process.run()
        let seconds = Int(limit.components.seconds)
        if exited.wait(timeout: .now() + .seconds(seconds)) == .timedOut {
            kill(process.processIdentifier, SIGTERM)  // chord-churn kills every node it started, then exits
            if exited.wait(timeout: .now() + .seconds(10)) == .timedOut { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            status = nil
        } else {
            process.waitUntilExit()
            status = process.terminationStatus
        }
        let data = try Data(contentsOf: output)
        report = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }
}

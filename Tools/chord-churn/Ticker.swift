import ChordNet
import CommandLineSupport
import Foundation

/// Once a second: a progress line on standard error (rewritten in place with \r when it is
/// a terminal) and a row of the per-second CSV file.
final class Ticker: Sendable {
    private let metrics: RunMetrics
    private let membership: Membership
    private let csv: FileHandle?
    private let isTerminal = FileDescriptor.standardError.isTerminal

    /// CSV columns.
    static let header = "second,ops,ok,failed,wrong_reads,p50_ms,p99_ms,live_nodes,kills,phase\n"

    /// A ticker writing CSV rows to `csvPath` (if given); fails if the file cannot be created.
    init(metrics: RunMetrics, membership: Membership, csvPath: String?) throws {
        self.metrics = metrics
        self.membership = membership
        if let csvPath {
            guard FileManager.default.createFile(atPath: csvPath, contents: Data(Self.header.utf8)) else {
                throw HarnessError("cannot create \(csvPath)")
            }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: csvPath))
            try handle.seekToEnd()
            csv = handle
        } else {
            csv = nil
        }
    }

    /// Ticks until cancelled, then ends the progress line.
    func run() async {
        let clock = ContinuousClock()
        let start = clock.now
        var second = 0
        var total = 0
        while !Task.isCancelled {
            second += 1
            // Pacing the once-a-second report; nothing waits on it.
            do { try await Task.sleep(until: start + .seconds(second), clock: clock) } catch { break }
            let (tally, phase) = metrics.takeSecond()
            total += tally.ops
            let p50 = JSONText.number(tally.percentile(0.5)), p99 = JSONText.number(tally.percentile(0.99))
            let live = membership.count, kills = metrics.kills
            try? csv?.write(contentsOf: Data("\(second),\(tally.ops),\(tally.ok),\(tally.failed),\(tally.wrongReads),\(p50),\(p99),\(live),\(kills),\(phase.rawValue)\n".utf8))
            let percent = tally.ops == 0 ? "   -  " : JSONText.number(tally.successPercent, decimals: 1) + "%"
            let line = "[\(second) s] \(phase.rawValue): ops \(total) (+\(tally.ops)), ok \(percent), "
                + "live \(live), kills \(kills)"
            if isTerminal {
                writeError("\r\u{1B}[K" + line)
            } else {
                writeError(line + "\n")
            }
        }
        if isTerminal { writeError("\n") }
        try? csv?.close()
    }

    private func writeError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

/// A failure of the harness itself (not of the ring under test).
struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

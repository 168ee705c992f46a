import Foundation
import Synchronization
import ToolSupport

/// The harness's own log (`--logs DIR`/churn-events.log): kills, restarts, phase changes,
/// wrong reads and lost keys, each with the seconds since the harness started. Thread-safe;
/// without a directory it only keeps the last lines for the report.
final class EventLog: Sendable {
    private let file: Mutex<FileHandle?>
    private let start = ContinuousClock.now

    init(directory: URL?) throws {
        guard let directory else {
            file = Mutex(nil)
            return
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent("churn-events.log")
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw HarnessError("cannot create \(url.path)")
        }
        file = Mutex(try FileHandle(forWritingTo: url))
    }

    /// Appends one line.
    func note(_ text: String) {
        let elapsed = seconds(ContinuousClock.now - start)
        let line = String(format: "%9.3f ", elapsed) + text + "\n"
        file.withLock { handle in try? handle?.write(contentsOf: Data(line.utf8)) }
    }

    /// Closes the file.
    func close() {
        file.withLock { handle in
            try? handle?.close()
            handle = nil
        }
    }
}

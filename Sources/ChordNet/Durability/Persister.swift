import ChordCore
import Dispatch
import Synchronization

/// When a node's writes reach stable storage (`chord-node --fsync`).
public enum SyncPolicy: Sendable, Equatable, CustomStringConvertible {
    /// Every batch is synced before anything depending on it is acknowledged; batches that
    /// arrive while a sync runs share the next one (group commit).
    case always
    /// Batches are written at once and synced every so many milliseconds: a crash of the
    /// machine (not of the process) may lose that long of acknowledged writes.
    case interval(milliseconds: Int)
    /// Batches are written at once and never synced by the node (the kernel writes them back
    /// when it likes): survives a process crash, not a machine crash.
    case never

    /// "always", "interval:MS" or "never".
    public init?(parsing text: String) {
        switch text {
        case "always": self = .always
        case "never": self = .never
        default:
            guard text.hasPrefix("interval:"), let milliseconds = Int(text.dropFirst("interval:".count)),
                  (1...60_000).contains(milliseconds) else { return nil }
            self = .interval(milliseconds: milliseconds)
        }
    }

    /// The policy as the command line spells it.
    public var description: String {
        switch self {
        case .always: return "always"
        case .interval(let milliseconds): return "interval:\(milliseconds)"
        case .never: return "never"
        }
    }
}

/// Writes a node's `persist` batches into its data directory and reports them durable under
/// the sync policy; compacts the log into snapshots in the background.
///
/// Owned by the runner's thread: `write` appends a batch to the current log segment with one
/// `write` call. Under `always` a sync thread then `fdatasync`s it, with every batch written
/// meanwhile (group commit), and wakes the runner (`wake`), which takes the sequence with
/// `takeDurable`. Under `interval` and `never` a written batch counts as durable at once.
///
/// Compaction: once the log since the last snapshot outgrows `compactionBytes` and that
/// snapshot, the runner rotates to a new segment and hands a copy of the store (arrays are
/// copy-on-write, so the copy is cheap and the node goes on) to a background thread, which
/// writes `snapshot-N` (through a temporary file, synced, renamed) and then removes the
/// segments and snapshot it covers.
package final class Persister {
    private let directory: DataDirectory
    private let policy: SyncPolicy
    private let logger: Logger
    private let syncer: Syncer
    private var segment: Int
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    private var lastWritten: UInt64 = 0
    /// The clock reading of the last batch written (for the next snapshot).
    private var clockHighWater: UInt64
    /// Log bytes since the last snapshot, and that snapshot's size.
    private var logBytes: Int
    private var snapshotBytes: Int
    /// Compact once the log since the snapshot is larger than this and than the snapshot.
    package var compactionBytes = 64 << 20
    private let compaction = Shared(CompactionState())
    /// Batches written and bytes written, for reports.
    package private(set) var batchesWritten = 0
    package private(set) var bytesWritten = 0
    package var compactions: Int { compaction.withLock { $0.finished } }

    fileprivate struct CompactionState {
        var running = false
        var finished = 0
        var failure: String?
    }

    /// Starts writing after `recovery`: a new log segment, and (under `always` and
    /// `interval`) the sync thread. `wake` is called from that thread when a sync finished.
    package init(directory: DataDirectory, recovery: DataDirectory.Recovery, policy: SyncPolicy, logger: Logger,
                 wake: @escaping @Sendable () -> Void) throws(DataDirectoryError) {
        self.directory = directory
        self.policy = policy
        self.logger = logger
        segment = recovery.nextSegment
        logBytes = recovery.logBytes
        snapshotBytes = recovery.snapshotBytes
        clockHighWater = recovery.clockHighWater
        descriptor = try Self.createSegment(segment, in: directory)
        syncer = Syncer(descriptor: descriptor, policy: policy, wake: wake)
        if policy != .never {
            let syncer = self.syncer
            try DataDirectory.check(Syscalls.startDetachedThread { syncer.run() }, "cannot start the sync thread")
        }
    }

    private static func createSegment(_ number: Int, in directory: DataDirectory) throws(DataDirectoryError) -> Int32 {
        let path = directory.path + "/" + DataDirectory.segmentName(number)
        let descriptor = try DataDirectory.check(Syscalls.openFile(path, create: true, append: true), "cannot create \(path)")
        let header = StoreRecord.logMagic
        try DataDirectory.check(header.withUnsafeBytes { Syscalls.writeFile(descriptor, $0) }, "cannot write \(path)")
        try DataDirectory.check(Syscalls.syncAll(descriptor), "cannot sync \(path)")
        try directory.syncDirectory()
        return descriptor
    }

    /// Appends `batch` to the log. Returns the sequence now durable (under `interval` and
    /// `never`: this batch), or nil when the sync thread will report it. Throws when the
    /// write fails (a full disk): the node must stop, since it cannot keep what it promised.
    package func write(_ batch: PersistBatch) throws(SystemError) -> UInt64? {
        buffer.removeAll(keepingCapacity: true)
        for record in batch.records {
            switch record {
            case .entry(let entry): StoreRecord.entry(entry).append(to: &buffer)
            case .erase(let key): StoreRecord.erase(key: key).append(to: &buffer)
            }
        }
        StoreRecord.clock(batch.clockHighWater).append(to: &buffer)
        try buffer.withUnsafeBytes { Syscalls.writeFile(descriptor, $0) }.get()
        batchesWritten += 1
        bytesWritten += buffer.count
        logBytes += buffer.count
        lastWritten = batch.sequence
        clockHighWater = max(clockHighWater, batch.clockHighWater)
        switch policy {
        case .always:
            syncer.request(batch.sequence)
            return nil
        case .interval:
            syncer.markDirty()
            return batch.sequence
        case .never:
            return batch.sequence
        }
    }

    /// The latest sequence the sync thread made durable since the last call, if any; throws
    /// when a sync failed.
    package func takeDurable() throws(SystemError) -> UInt64? {
        try syncer.takeSynced()
    }

    /// Starts a compaction when the log has outgrown the snapshot and none is running:
    /// `store` must be the store after every batch written so far.
    package func compactIfDue(store: KeyValueStore) {
        if let failure = compaction.withLock({ state in defer { state.failure = nil }; return state.failure }) {
            logger.warning("compaction failed: \(failure); the log is kept and compaction will be tried again")
        }
        guard logBytes > max(compactionBytes, snapshotBytes) else { return }
        guard compaction.withLock({ state in
            if state.running { return false }
            state.running = true
            return true
        }) else { return }
        // Everything written so far is in segments up to `covered`; from now on the log goes
        // to a new segment, and the snapshot replaces the old ones.
        let covered = segment
        do throws(DataDirectoryError) {
            // The old segment is complete on disk before the new one exists: only the newest
            // segment may ever end in a torn record.
            try DataDirectory.check(Syscalls.syncData(descriptor), "cannot sync the log")
            let next = try Self.createSegment(covered + 1, in: directory)
            syncer.rotate(to: next)
            descriptor = next
            segment = covered + 1
        } catch {
            compaction.withLock { $0.running = false }
            logger.warning("cannot start a compaction: \(error)")
            return
        }
        logBytes = 0
        let directory = self.directory
        let compaction = self.compaction
        let clockHighWater = self.clockHighWater
        let started = Syscalls.startDetachedThread {
            let result = Self.writeSnapshot(store, clockHighWater: clockHighWater, covering: covered, in: directory)
            compaction.withLock { state in
                state.running = false
                switch result {
                case .success: state.finished += 1
                case .failure(let error): state.failure = error.description
                }
            }
        }
        if case .failure(let error) = started {
            compaction.withLock { $0.running = false }
            logger.warning("cannot start a compaction thread: \(error)")
        } else {
            snapshotBytes = store.byteCount + (store.liveCount + store.tombstoneCount) * 32
        }
    }

    /// Writes the snapshot covering segments up to `covered`, then removes what it covers.
    private static func writeSnapshot(_ store: KeyValueStore, clockHighWater: UInt64, covering covered: Int,
                                      in directory: DataDirectory) -> Result<Void, DataDirectoryError> {
        let name = DataDirectory.snapshotName(covered)
        let temporary = directory.path + "/" + name + ".tmp"
        do throws(DataDirectoryError) {
            let descriptor = try DataDirectory.check(Syscalls.openFile(temporary, create: true, append: false), "cannot create \(temporary)")
            var output = StoreRecord.snapshotMagic
            var count: UInt64 = 0
            var failure: SystemError?
            store.forEachEntry { entry in
                guard failure == nil else { return }
                StoreRecord.entry(entry).append(to: &output)
                count += 1
                if output.count >= 1 << 20 {
                    if case .failure(let error) = output.withUnsafeBytes({ Syscalls.writeFile(descriptor, $0) }) { failure = error }
                    output.removeAll(keepingCapacity: true)
                }
            }
            StoreRecord.clock(clockHighWater).append(to: &output)
            count += 1
            StoreRecord.end(count: count).append(to: &output)
            let written = failure.map { Result<Void, SystemError>.failure($0) }
                ?? output.withUnsafeBytes { Syscalls.writeFile(descriptor, $0) }.flatMap { Syscalls.syncAll(descriptor) }
            Syscalls.close(descriptor)
            if case .failure = written { _ = Syscalls.removeFile(temporary) }
            try DataDirectory.check(written, "cannot write \(temporary)")
            try DataDirectory.check(Syscalls.rename(temporary, to: directory.path + "/" + name), "cannot rename \(temporary)")
            try directory.syncDirectory()
            for file in try directory.files() {
                if let number = DataDirectory.number(of: file, prefix: "log-"), number <= covered {
                    _ = Syscalls.removeFile(directory.path + "/" + file)
                } else if let number = DataDirectory.number(of: file, prefix: "snapshot-"), number < covered {
                    _ = Syscalls.removeFile(directory.path + "/" + file)
                }
            }
            return .success(())
        } catch {
            return .failure(error)
        }
    }

    /// Below this many free bytes on the directory's file system, the node refuses new client
    /// writes (`Input.storageFull`) so that what it has accepted still fits.
    package var reserveBytes = 64 << 20
    private var reportedFull = false

    /// Checks the free space; returns the new state when it changed (full: below the reserve).
    package func spaceChanged() -> Bool? {
        guard case .success(let free) = Syscalls.freeBytes(directory.path) else { return nil }
        let full = free < reserveBytes
        guard full != reportedFull else { return nil }
        reportedFull = full
        logger.log(full ? .warning : .info, full
            ? "only \(free) bytes free under \(directory.path) (reserve \(reserveBytes)): new writes are refused with out of space"
            : "\(free) bytes free under \(directory.path) again: writes are accepted")
        return full
    }

    /// Whether a compaction is running.
    package var isCompacting: Bool { compaction.withLock { $0.running } }

    /// Syncs what was written and stops the sync thread (the node is stopping).
    package func close() {
        _ = Syscalls.syncData(descriptor)
        syncer.stop()
    }
}

/// The sync thread's side of a `Persister`: what to sync, and what has been synced.
private final class Syncer: Sendable {
    private struct State {
        var descriptor: Int32
        /// Segments rotated away, to sync once more and close.
        var retired: [Int32] = []
        var requested: UInt64 = 0
        var synced: UInt64 = 0
        var reported: UInt64 = 0
        var dirty = false
        var failure: SystemError?
        var stopping = false
    }

    private let state: Mutex<State>
    private let signal = DispatchSemaphore(value: 0)
    private let policy: SyncPolicy
    private let wake: @Sendable () -> Void

    init(descriptor: Int32, policy: SyncPolicy, wake: @escaping @Sendable () -> Void) {
        state = Mutex(State(descriptor: descriptor))
        self.policy = policy
        self.wake = wake
    }

    func request(_ sequence: UInt64) {
        let start = state.withLock { state in
            let idle = state.requested == state.synced
            state.requested = sequence
            return idle
        }
        if start { signal.signal() }
    }

    func markDirty() {
        state.withLock { $0.dirty = true }
    }

    func rotate(to descriptor: Int32) {
        state.withLock { state in
            state.retired.append(state.descriptor)
            state.descriptor = descriptor
            state.dirty = true
        }
        if policy == .never { drainRetired() }
    }

    func takeSynced() throws(SystemError) -> UInt64? {
        let (synced, failure) = state.withLock { state -> (UInt64?, SystemError?) in
            defer { state.reported = state.synced }
            return (state.synced > state.reported ? state.synced : nil, state.failure)
        }
        if let failure { throw failure }
        return synced
    }

    func stop() {
        state.withLock { $0.stopping = true }
        signal.signal()
    }

    /// The sync thread: waits for work, syncs, reports, until stopped.
    func run() {
        while true {
            switch policy {
            case .interval(let milliseconds):
                _ = signal.wait(timeout: .now() + .milliseconds(milliseconds))
            default:
                signal.wait()
            }
            let (descriptor, retired, target, dirty, stopping) = state.withLock { state in
                defer {
                    state.retired.removeAll()
                    state.dirty = false
                }
                return (state.descriptor, state.retired, state.requested, state.dirty, state.stopping)
            }
            if stopping { return }
            var result = Result<Void, SystemError>.success(())
            for old in retired {
                result = result.flatMap { Syscalls.syncData(old) }
                Syscalls.close(old)
            }
            if dirty || target > 0 { result = result.flatMap { Syscalls.syncData(descriptor) } }
            let (advanced, more) = state.withLock { state -> (Bool, Bool) in
                if case .failure(let error) = result { state.failure = error }
                let advanced = target > state.synced
                if advanced { state.synced = target }
                return (advanced, state.requested > state.synced)
            }
            if advanced || result.isFailure { wake() }
            if more { signal.signal() }
        }
    }

    private func drainRetired() {
        let retired = state.withLock { state in
            defer { state.retired.removeAll() }
            return state.retired
        }
        for old in retired { Syscalls.close(old) }
    }
}

/// A value behind a lock that threads share by reference.
private final class Shared<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) {
        mutex = Mutex(value)
    }

    func withLock<T>(_ body: (inout sending Value) -> sending T) -> sending T {
        mutex.withLock(body)
    }
}

extension Result {
    fileprivate var isFailure: Bool {
        if case .failure = self { return true }
        return false
    }
}

/// The floor under any sync policy: how long writing a small record and `fdatasync`ing it
/// takes on the disk under `directory` (what `chord-bench --data-dir` reports next to the
/// policies' put latencies).
package enum SyncFloor {
    /// Appends `bytes`-byte records to a scratch file in `directory`, each followed by
    /// `fdatasync`, for `count` rounds; returns each round's nanoseconds. Removes the file.
    package static func measure(in directory: String, count: Int, bytes: Int = 128) throws(SystemError) -> [Int64] {
        let path = directory + "/sync-floor.tmp"
        let descriptor = try Syscalls.openFile(path, create: true, append: true).get()
        defer {
            Syscalls.close(descriptor)
            _ = Syscalls.removeFile(path)
        }
        let record = [UInt8](repeating: 0x5A, count: bytes)
        var rounds: [Int64] = []
        rounds.reserveCapacity(count)
        for _ in 0..<count {
            let started = Syscalls.monotonicNanoseconds()
            try record.withUnsafeBytes { Syscalls.writeFile(descriptor, $0) }.get()
            try Syscalls.syncData(descriptor).get()
            rounds.append(Syscalls.monotonicNanoseconds() - started)
        }
        return rounds
    }
}

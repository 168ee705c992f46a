import ChordCore
import Foundation

/// Where the project's binaries are: `$CHORD_BIN_DIR`, else the directory of the running
/// executable (the test runner and the tools live next to chord-node in .build/CONFIG).
public enum ChordBinaries {
    /// The directory holding chord-node, dht and dhtlookup.
    public static var directory: URL {
        if let override = ProcessInfo.processInfo.environment["CHORD_BIN_DIR"] {
            return URL(fileURLWithPath: override)
        }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return executable.deletingLastPathComponent()
    }

    /// A binary of the project by name.
    public static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }
}

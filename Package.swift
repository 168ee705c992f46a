// swift-tools-version:6.0
import PackageDescription

/// The Chord DHT: a pure protocol core (ChordCore), its binary wire codec (ChordWire), the UDP
/// shell that runs one core on a socket (ChordNet, chord-node), the client library and commands
/// (ChordClient, dht, dhtlookup), and the tools: a deterministic simulator that runs thousands
/// of cores (ChordSim, chord-sim), real-process rings, benchmarks and a churn harness
/// (ClusterSupport, chord-ring, chord-bench, chord-churn, wire-bench). docs/DESIGN.md says
/// where everything lives. Swift toolchain only: no package dependencies.
let package = Package(
    name: "ChordDHT",
    products: [
        .library(name: "ChordCore", targets: ["ChordCore"]),
        .library(name: "ChordWire", targets: ["ChordWire"]),
        .library(name: "ChordNet", targets: ["ChordNet"]),
        .executable(name: "chord-node", targets: ["chord-node"]),
        .library(name: "ChordClient", targets: ["ChordClient"]),
        .executable(name: "dht", targets: ["dht"]),
        .executable(name: "dhtlookup", targets: ["dhtlookup"]),
    ],
    targets: [
        .target(name: "ChordCore", path: "Sources/ChordCore"),
        .target(name: "ChordWire", dependencies: ["ChordCore"], path: "Sources/ChordWire"),
        .target(name: "CommandLineSupport", dependencies: ["ChordNet", "ChordWire"], path: "Sources/CommandLineSupport"),
        .target(name: "ChordNet", dependencies: ["ChordCore"], path: "Sources/ChordNet"),
        .executableTarget(name: "chord-node", dependencies: ["ChordNet", "ChordWire", "ChordCore", "CommandLineSupport"],
                          path: "Sources/chord-node"),
        .target(name: "ChordClient", dependencies: ["ChordCore", "ChordWire", "ChordNet"], path: "Sources/ChordClient"),
        .executableTarget(name: "dht", dependencies: ["ChordClient", "ChordCore", "ChordNet", "CommandLineSupport"], path: "Sources/dht"),
        .executableTarget(name: "dhtlookup", dependencies: ["ChordClient", "ChordCore", "ChordNet", "CommandLineSupport"],
                          path: "Sources/dhtlookup"),
        .target(name: "ToolSupport", dependencies: ["ChordCore"], path: "Tools/ToolSupport"),
        .target(name: "ChordSim", dependencies: ["ChordCore", "ToolSupport", "CommandLineSupport"], path: "Tools/ChordSim"),
        .executableTarget(name: "chord-sim", dependencies: ["ChordSim", "ChordCore", "ChordNet", "CommandLineSupport"], path: "Tools/chord-sim"),
        .target(name: "ClusterSupport", dependencies: ["ChordCore", "ChordClient", "ChordNet", "ChordWire", "CommandLineSupport"],
                path: "Tools/ClusterSupport"),
        .executableTarget(name: "chord-bench", dependencies: ["ClusterSupport", "ToolSupport", "ChordClient", "ChordCore", "ChordNet", "CommandLineSupport"],
                          path: "Tools/chord-bench"),
        .executableTarget(name: "chord-ring", dependencies: ["ClusterSupport", "ChordCore", "ChordNet", "CommandLineSupport"],
                          path: "Tools/chord-ring"),
        .executableTarget(name: "chord-churn", dependencies: ["ClusterSupport", "ToolSupport", "ChordClient", "ChordCore", "ChordNet", "CommandLineSupport"],
                          path: "Tools/chord-churn"),
        .executableTarget(name: "chord-flood", dependencies: ["ClusterSupport", "ToolSupport", "ChordClient", "ChordCore", "ChordWire",
                                                             "ChordNet", "CommandLineSupport"], path: "Tools/chord-flood"),
        .executableTarget(name: "wire-bench", dependencies: ["ChordWire", "ChordCore"], path: "Tools/wire-bench"),
        .testTarget(name: "ChordCoreTests", dependencies: ["ChordCore", "ChordSim"], path: "Tests/ChordCoreTests"),
        .testTarget(name: "ChordNetTests", dependencies: ["ChordNet", "ChordCore"], path: "Tests/ChordNetTests"),
        .testTarget(name: "ChordClientTests", dependencies: ["ChordClient", "ChordNet", "ChordWire", "ChordCore"],
                    path: "Tests/ChordClientTests"),
        .testTarget(name: "ChordSimTests", dependencies: ["ChordSim", "ToolSupport", "ChordCore"], path: "Tests/ChordSimTests"),
        .testTarget(name: "ChurnHarnessTests", dependencies: ["ClusterSupport"], path: "Tests/ChurnHarnessTests"),
        .testTarget(name: "ChordWireTests", dependencies: ["ChordWire", "ChordCore"], path: "Tests/ChordWireTests"),
        .testTarget(name: "IntegrationTests", dependencies: ["ChordClient", "ClusterSupport", "ChordCore", "ChordWire", "ChordNet",
                                                          "CommandLineSupport"],
                    path: "Tests/IntegrationTests"),
    ],
    swiftLanguageModes: [.v6]
)

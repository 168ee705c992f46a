import ClusterSupport
import CommandLineSupport
import Foundation

extension LocalCluster {
    /// Stabilize period given to every test node, seconds: fast convergence for tests.
    static let testStabilize = "0.2"

    /// A test's ring: `count` chord-node processes started with `--stabilize 0.2` and
    /// `arguments`, each joining through a member already joined, chosen by a generator
    /// seeded with `seed`; clients wait up to 5 s. With `clusterKey`, every node and client
    /// uses it. With `CHORD_TEST_LOGS=DIR`, the nodes' logs are kept in DIR/cluster-SEED (or
    /// in `logDirectory`). Stop it with `killAll()` in a `defer`.
    static func start(_ count: Int, seed: UInt64, arguments: [String] = [], clusterKey: ClusterKeyFile? = nil,
                      logDirectory: URL? = nil) async throws -> LocalCluster {
        let logs = logDirectory ?? ProcessInfo.processInfo.environment["CHORD_TEST_LOGS"].map {
            URL(fileURLWithPath: $0).appendingPathComponent("cluster-\(seed)")
        }
        if let logs { try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true) }
        let cluster = LocalCluster(arguments: ["--stabilize", testStabilize] + arguments, logDirectory: logs, seed: seed,
                                   clientTimeout: .seconds(5), clusterKey: clusterKey)
        do {
            for _ in 0..<count { try await cluster.addJoined() }
        } catch {
            cluster.killAll()
            throw error
        }
        return cluster
    }

    /// A member chosen by the cluster's generator, other than `excluded` (there must be one).
    func randomNode(excluding excluded: [NodeProcess] = []) -> NodeProcess {
        guard let node = randomMember(excluding: excluded) else { preconditionFailure("no member left to choose") }
        return node
    }
}

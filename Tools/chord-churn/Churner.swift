import ChordClient
import ChordCore
import ClusterSupport
import Foundation
import ToolSupport

/// Starts nodes and, during the churn phase, SIGKILLs one live node at a time (never the
/// last) and restarts it on the same or a new port, joining through a random live node.
/// Only one task uses it at a time (the cluster is not thread-safe).
struct Churner: Sendable {
    let cluster: LocalCluster
    let membership: Membership
    let metrics: RunMetrics
    let events: EventLog
    let settings: ChurnSettings

    /// Starts a node (joining through a random member), waits until it has joined (at most
    /// 5 s) and offers it to the workload. `listen` nil: a free port (on a test bed: the next
    /// port of the next host in turn); `host`: the test bed host it runs in.
    @discardableResult
    func startNode(listen: String? = nil, host: NetworkBed.Host? = nil) async throws -> LiveNode {
        let process = try cluster.add(listen: listen, host: host)
        let node = try membership.prepare(process, in: cluster, timeout: settings.operationTimeout)
        if cluster.members.count > 1, !(await cluster.waitUntilJoined(process, timeout: .seconds(5))) {
            events.note("node \(process.address) pid \(process.pid) has no successor after 5 s; used anyway")
        }
        membership.insert(node)
        return node
    }

    /// Kills and restarts nodes on the schedule from `start` until `end` (periodic kills at
    /// start + every, start + 2 every, ..., the end included).
    func run(from start: ContinuousClock.Instant, until end: ContinuousClock.Instant, random: inout SeededRandom) async {
        switch settings.schedule {
        case .periodic(let every):
            var next = start + every
            while next <= end {  // the last kill falls on the end, so recovery is measured from a fresh one
                // Pacing the churn schedule.
                do { try await Task.sleep(until: next, clock: .continuous) } catch { return }
                await killAndRestart(pick(random: &random), random: &random)
                next += every
                while next <= ContinuousClock.now { next += every }  // a slow restart skips slots, never bunches kills
            }
        case .exponential(let median):
            var deadlines: [ObjectIdentifier: ContinuousClock.Instant] = [:]
            func session() -> Duration { .seconds(seconds(median) * -log(1 - random.nextUnit()) / log(2.0)) }
            for node in membership.live { deadlines[ObjectIdentifier(node)] = .now + session() }
            while true {
                let live = membership.live
                guard let due = live.min(by: { deadlines[ObjectIdentifier($0), default: end] < deadlines[ObjectIdentifier($1), default: end] }),
                      let when = deadlines[ObjectIdentifier(due)], when < end else { break }
                do { try await Task.sleep(until: when, clock: .continuous) } catch { return }  // the session's end
                deadlines[ObjectIdentifier(due)] = nil
                if let replacement = await killAndRestart(due, random: &random) {
                    deadlines[ObjectIdentifier(replacement)] = .now + session()
                }
            }
        }
    }

    private func pick(random: inout SeededRandom) -> LiveNode? {
        let live = membership.live
        return live.isEmpty ? nil : live[random.nextInt(below: live.count)]
    }

    /// SIGKILLs `victim` (unless it is the last live node) and starts its replacement.
    @discardableResult
    private func killAndRestart(_ victim: LiveNode?, random: inout SeededRandom) async -> LiveNode? {
        guard let victim, membership.count > 1 else { return nil }
        membership.remove(victim)
        cluster.crash([victim.process])
        victim.client.close()  // requests still waiting on it fail now and go elsewhere
        metrics.countKill()
        let address = victim.process.address
        events.note("kill #\(metrics.kills): \(address) id \(victim.process.id.shortHex()) pid \(victim.process.pid)")
        let same: Bool
        switch settings.restart {
        case .same: same = true
        case .new: same = false
        case .mixed: same = random.nextUnit() < 0.5
        }
        do {
            let node: LiveNode
            do {
                node = try await startNode(listen: same ? address.description : nil, host: same ? victim.process.host : nil)
            } catch where same {
                events.note("restart on \(address) failed (\(error)); trying a new port")
                node = try await startNode()
            }
            metrics.countRestart()
            events.note("restart #\(metrics.restarts) (\(node.process.address == address ? "same" : "new") port): \(node.process.address) "
                + "id \(node.process.id.shortHex()) pid \(node.process.pid)")
            return node
        } catch {
            events.note("restart failed: \(error)")
            return nil
        }
    }
}

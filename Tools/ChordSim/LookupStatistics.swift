import ChordCore

/// A lookup the simulation issued and has not seen finish.
struct OutstandingLookup {
    let host: Int
    let target: Identifier
    let issued: Instant
}

/// How the simulation's lookups ended, judged when each finished against the member that
/// truly owned the target at that moment.
public struct LookupStatistics: Sendable {
    /// Lookups issued.
    public var issued = 0
    /// Lookups that returned an owner.
    public var completed = 0
    /// ... and that owner was the live true owner.
    public var correct = 0
    /// ... but that owner was not the true owner (or not alive).
    public var wrongOwner = 0
    /// Lookups that failed, by reason.
    public var failedTimedOut = 0
    /// Lookups that hit the hop limit.
    public var failedHopLimit = 0
    /// Lookups refused because the issuing node had not joined.
    public var failedNotJoined = 0
    /// Lookups whose issuing node crashed before they finished.
    public var issuerCrashed = 0
    /// Routing hops of each completed lookup.
    public var routingHops: [Int] = []
    /// Confirmation hops of each completed lookup.
    public var confirmationHops = 0
    /// Nodes asked that did not answer, over all lookups.
    public var silentHops = 0
    /// Simulated latency of each completed lookup, nanoseconds.
    public var latencies: [Int64] = []

    /// Lookups that ended, either way.
    public var finished: Int { completed + failedTimedOut + failedHopLimit + failedNotJoined }

    /// Forgets everything (between scenario phases).
    public mutating func reset() { self = LookupStatistics() }
}

extension Simulation {
    func judgeLookup(token: UInt64, outcome: Result<LookupResult, LookupFailure>) {
        guard let lookup = outstandingLookups.removeValue(forKey: token) else { return }
        trace.mix(token)
        switch outcome {
        case .success(let result):
            lookups.completed += 1
            if result.routingHops > 20, debugOutput {
                print("LONG lookup from \(hosts[lookup.host].id.shortHex()) target \(lookup.target.shortHex()) owner \(result.owner.id.shortHex())")
                for hop in result.hops { print("   \(hop.id?.shortHex() ?? "?") rtt=\(hop.roundTrip.map { String($0 / 1_000_000) } ?? "-")") }
            }
            lookups.routingHops.append(result.routingHops)
            lookups.confirmationHops += result.hops.filter(\.confirmsOwner).count
            lookups.silentHops += result.hops.filter { $0.roundTrip == nil }.count
            lookups.latencies.append(now - lookup.issued)
            let truth = members.owner(of: lookup.target)
            if let truth, truth.id == result.owner.id, hosts[truth.host].isAlive {
                lookups.correct += 1
            } else {
                lookups.wrongOwner += 1
                if debugOutput {
                    print("WRONG lookup from \(hosts[lookup.host].id.shortHex()) at t=\(now.seconds) target \(lookup.target.shortHex()) owner \(result.owner.id.shortHex()) (alive: \(hostIndex(of: result.owner.address).map { hosts[$0].isAlive } ?? false)) truth \(truth.map { $0.id.shortHex() } ?? "-") successors \(result.successors.prefix(3).map { $0.id.shortHex() })")
                    for hop in result.hops { print("   \(hop.id?.shortHex() ?? "?") rtt=\(hop.roundTrip.map { String($0 / 1_000_000) } ?? "-") confirm=\(hop.confirmsOwner)") }
                }
            }
            trace.mix(UInt64(result.routingHops))
        case .failure(.timedOut):
            lookups.failedTimedOut += 1
        case .failure(.hopLimit):
            lookups.failedHopLimit += 1
        case .failure(.notJoined):
            lookups.failedNotJoined += 1
        }
    }

    /// Lookups still outstanding whose issuer is alive (a hung lookup would stay here).
    public var lookupsInFlight: Int { outstandingLookups.count }

}

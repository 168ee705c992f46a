import Testing
@testable import ChordCore

/// Eight nodes with SHA-1 identifiers (from their addresses), as in a real deployment.
private let members = (1...8).map { Peer(address: NodeAddress(ipv4: 0x0A00_0100 | UInt32($0), port: 4000)) }

/// Joins, lookups and a crash, driven by a `ManualNetwork`; returns every effect of every
/// node as text, with its time and node. `order` is the order nodes are added in.
private func trace(seed: UInt64, order: [Int] = Array(members.indices)) -> [String] {
    let net = ManualNetwork()
    for index in order { net.add(members[index], seed: seed &+ UInt64(index)) }
    net.start(members[0])
    for index in members.indices.dropFirst() {
        net.start(members[index], bootstrap: members[index / 2])
        net.run(for: Nanos.milliseconds(700))
    }
    net.run(for: Nanos.seconds(15))
    for (token, index) in members.indices.enumerated() {
        net.lookup(from: members[index], target: UInt64(token) &* 0x9E37_79B9, token: UInt64(token), confirmOwner: token % 2 == 0)
    }
    net.crash(members[3])
    net.run(for: Nanos.seconds(15))
    return net.log.map(\.description)
}

@Suite("Determinism")
struct DeterminismTests {
    @Test func sameSeedSameEffects() {
        let first = trace(seed: 42)
        let second = trace(seed: 42)
        #expect(first.count > 1_000)  // the scenario is not trivial
        #expect(first.count == second.count)
        #expect(first == second)
        if let index = first.indices.first(where: { $0 < second.count && first[$0] != second[$0] }) {
            Issue.record("first difference at effect \(index): \(first[index]) vs \(second[index])")
        }
    }

    @Test func nodeInsertionOrderDoesNotMatter() {
        // Different Dictionary layouts in the harness and the nodes, same run.
        #expect(trace(seed: 7) == trace(seed: 7, order: members.indices.reversed()))
    }

    @Test func seedDrivesTheRun() {
        #expect(trace(seed: 1) != trace(seed: 2))
    }
}

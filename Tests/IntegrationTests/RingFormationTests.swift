import ChordCore
import ClusterSupport
import Testing

extension Integration {
    /// Rings formed by nodes joining through random members converge to the exact ring.
    @Suite(.serialized) struct RingFormation {
        @Test("every node's successor list and predecessor are exact", .serialized, arguments: [1, 2, 3, 16])
        func ringIsExact(size: Int) async throws {
            let cluster = try await LocalCluster.start(size, seed: 0x5EED_0000 + UInt64(size))
            defer { cluster.killAll() }
            try await cluster.waitUntilExact()

            let observed = try await cluster.infos()
            #expect(observed.count == size)
            let ring = cluster.ringOrder
            for (index, (node, info)) in observed.enumerated() {
                if size == 1 {
                    #expect(info.predecessor == nil)
                    #expect(info.successors.isEmpty)
                } else {
                    #expect(info.predecessor?.id == ring[(index + size - 1) % size].id)
                    #expect(info.successors.first?.id == ring[(index + 1) % size].id)
                    #expect(info.successors.count == min(cluster.successorListLength, size - 1))
                }
                #expect(node.id == Identifier.forKey(node.address.description))
            }
        }
    }
}

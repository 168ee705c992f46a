import ChordCore
import Testing
@testable import ChordClient

/// Closing and cancelling end waiting requests at once.
@Suite struct LifecycleTests {
    @Test func closeFailsWaitingRequestsAndLaterOnes() async throws {
        let node = try FakeNode.silent()
        defer { node.stop() }
        let client = try makeClient(of: node, timeout: .seconds(60))
        let waiting = Task { () async throws(ChordClientError) -> [UInt8]? in try await client.get("k") }
        _ = await node.requests(count: 1)
        client.close()
        await #expect(throws: ChordClientError.closed) { _ = try await waiting.value }
        await #expect(throws: ChordClientError.closed) { _ = try await client.get("k") }
        client.close()
    }

    @Test func cancellingTheTaskEndsItsRequest() async throws {
        let node = try FakeNode.silent()
        defer { node.stop() }
        let client = try makeClient(of: node, timeout: .seconds(60))
        defer { client.close() }
        let waiting = Task { () async throws(ChordClientError) -> [UInt8]? in try await client.get("k") }
        _ = await node.requests(count: 1)
        waiting.cancel()
        await #expect(throws: ChordClientError.cancelled) { _ = try await waiting.value }
        #expect(client.transport.pendingCount == 0)
    }

    @Test func anIPv4ClientBindsAnEphemeralPort() throws {
        let client = try ChordClient(via: NodeAddress(ipv4: 0x7F00_0001, port: 4000))
        defer { client.close() }
        #expect(client.localAddress.family == .ipv4 && client.localAddress.port != 0)
        #expect(client.timeout == .seconds(5))
    }
}

import ChordCore
import Glibc

/// What must hold after every step, whatever arrived. A broken check stops the fuzzer with a
/// message (a trap, which libFuzzer reports as a crash and saves the input for).
///
/// - the successor list is well-formed (`RingInvariants.successorListProblem`: ordered
///   clockwise, no duplicates, never the node itself, at most r long);
/// - the node never adopts itself: no successor, predecessor or finger carries its identifier
///   or its address;
/// - every datagram it sends encodes within `WireFormat.maximumDatagramBytes` and decodes to
///   exactly the envelope it sent.
struct FuzzChecks {
    /// The checks, by the names `CHORD_FUZZ_SKIP` takes.
    enum Check: String, CaseIterable {
        /// The successor list is well-formed (`RingInvariants.successorListProblem`).
        case successorList = "successor-list"
        /// No successor, predecessor or finger carries the node's identifier.
        case selfIdentifier = "self-identifier"
        /// No successor, predecessor or finger carries the node's address.
        case selfAddress = "self-address"
        /// Every datagram sent fits `WireFormat.maximumDatagramBytes`.
        case datagramSize = "datagram-size"
        /// Every datagram sent decodes to exactly the envelope sent.
        case roundTrip = "round-trip"
    }

    /// Checks turned off by `CHORD_FUZZ_SKIP=name,name` (findings already reported, while
    /// their fix is pending: Tools/fuzz/skip-checks).
    static let skipped: Set<String> = {
        guard let text = getenv("CHORD_FUZZ_SKIP") else { return [] }
        let names = String(cString: text).split(separator: ",").map { String($0) }
        for name in names where Check(rawValue: name) == nil { fail("CHORD_FUZZ_SKIP names no check \(name)") }
        return Set(names)
    }()

    /// Reused for encoding (one allocation per execution, not per datagram).
    private var buffer: [UInt8] = []
    /// The largest datagram sent so far (the seed generator reports it).
    private(set) var largestDatagram = 0

    mutating func check(_ node: ChordNode, effects: [Effect]) {
        let me = node.me
        if let problem = RingInvariants.successorListProblem(node.successors, of: me.id,
                                                             maximumLength: node.config.successorListLength) {
            report(.successorList, "\(problem): \(node.successors)")
        }
        for peer in node.successors { checkNotSelf(peer, me, "successor") }
        if let predecessor = node.predecessor { checkNotSelf(predecessor, me, "predecessor") }
        for case let finger? in node.fingers { checkNotSelf(finger, me, "finger") }
        for effect in effects {
            guard case .send(let envelope, let destination) = effect else { continue }
            WireFormat.encode(envelope, into: &buffer)
            largestDatagram = max(largestDatagram, buffer.count)
            if buffer.count > WireFormat.maximumDatagramBytes {
                report(.datagramSize, "a \(buffer.count)-byte datagram to \(destination): \(describe(envelope.message))")
            }
            do {
                let decoded = try WireFormat.decode(buffer)
                if decoded != envelope {
                    report(.roundTrip, "a datagram to \(destination) decodes to something else: \(describe(envelope.message))")
                }
            } catch {
                report(.roundTrip, "a datagram to \(destination) does not decode (\(error)): \(describe(envelope.message))")
            }
        }
    }

    private func checkNotSelf(_ peer: Peer, _ me: Peer, _ role: String) {
        if peer.id == me.id {
            report(.selfIdentifier, "a \(role) has the node's identifier: \(peer.id.hex) at \(peer.address) (node at \(me.address))")
        }
        if peer.address == me.address {
            report(.selfAddress, "a \(role) has the node's address: \(peer.id.hex) at \(peer.address) (node \(me.id.hex))")
        }
    }

    /// Stops the fuzzer unless `check` is skipped.
    private func report(_ check: Check, _ message: @autoclosure () -> String) {
        if Self.skipped.isEmpty || !Self.skipped.contains(check.rawValue) { fail("[\(check.rawValue)] \(message())") }
    }

    /// The message, cut short (a 64,000-byte value would drown the report).
    private func describe(_ message: Message) -> String {
        let text = "\(message)"
        return text.count > 2_000 ? String(text.prefix(2_000)) + "..." : text
    }
}

/// Stops the fuzzer: libFuzzer reports the trap as a crash and saves the input.
func fail(_ message: String) -> Never {
    fatalError("chord-fuzz check failed: \(message)")
}

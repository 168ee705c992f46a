import ChordCore
import Testing
@testable import ChordWire

/// Whatever decodes must re-encode to a datagram that decodes to the same envelope; every
/// known message type must re-encode to exactly the bytes it came from (the encoding is
/// canonical). Returns a description of the first problem, or nil.
private func checkConsistency(_ bytes: [UInt8]) -> String? {
    let envelope: Envelope
    do {
        envelope = try WireFormat.decode(bytes)
    } catch {
        return nil  // refused cleanly
    }
    let again = WireFormat.encode(envelope)
    guard (try? WireFormat.decode(again)) == envelope else { return "re-encoding changed \(hex(bytes))" }
    if case .unknownRequest = envelope.message { return nil }
    guard again == bytes else { return "not canonical: \(hex(bytes))" }
    return nil
}

@Suite("Wire format: seeded fuzzing")
struct FuzzTests {
    static let iterations = 20_000

    /// Random byte strings; half start with a valid header of a known type, so that decoding
    /// gets past the magic and into the bodies.
    @Test(arguments: [UInt64(1), 2])
    func randomBytesNeverCrash(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        var decoded = 0
        var problems: [String] = []
        for iteration in 0..<Self.iterations {
            let length = random.nextInt(below: iteration % 10 == 0 ? 2_000 : 160)
            var bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            if iteration % 2 == 0 {
                let type = random.nextInt(below: 8) == 0
                    ? UInt8(truncatingIfNeeded: random.next())
                    : Fixtures.knownTypeCodes[random.nextInt(below: Fixtures.knownTypeCodes.count)]
                // Flags: sender and cookie bits, now and then a reserved one.
                let flags = random.nextInt(below: 16) == 0 ? UInt8(truncatingIfNeeded: random.next()) : UInt8(random.nextInt(below: 4))
                let header: [UInt8] = [0x43, 0x48, WireFormat.protocolVersion, type, flags]
                bytes = header + bytes
                // Small lengths and counts keep bodies plausible often enough to decode (the
                // body starts at 13, or 21 after a cookie, when no sender is flagged).
                let body = flags & 0x02 == 0 ? 13 : 21
                if bytes.count > body + 1 && random.nextInt(below: 2) == 0 { bytes[body] = 0 }
                if bytes.count > body + 1 && random.nextInt(below: 2) == 0 { bytes[body + 1] = UInt8(random.nextInt(below: 3)) }
            }
            if (try? WireFormat.decode(bytes)) != nil { decoded += 1 }
            if let problem = checkConsistency(bytes), problems.count < 5 { problems.append(problem) }
        }
        #expect(problems.isEmpty, "\(problems)")
        #expect(decoded > 0)
    }

    /// Valid datagrams with one byte replaced by a random value.
    @Test(arguments: [UInt64(3), 4])
    func singleByteMutationsNeverCrash(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        let originals = Fixtures.small.map { WireFormat.encode($0) }
        var decoded = 0
        var problems: [String] = []
        for _ in 0..<Self.iterations {
            var bytes = originals[random.nextInt(below: originals.count)]
            let position = random.nextInt(below: bytes.count)
            var replacement = UInt8(truncatingIfNeeded: random.next())
            if replacement == bytes[position] { replacement &+= 1 }
            bytes[position] = replacement
            if (try? WireFormat.decode(bytes)) != nil { decoded += 1 }
            if let problem = checkConsistency(bytes), problems.count < 5 { problems.append(problem) }
        }
        #expect(problems.isEmpty, "\(problems)")
        #expect(decoded > 0)
    }

    /// Valid datagrams with a byte inserted or removed (lengths and counts disagree with the
    /// size).
    @Test(arguments: [UInt64(5)])
    func insertionsAndDeletionsNeverCrash(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        let originals = Fixtures.small.map { WireFormat.encode($0) }
        var problems: [String] = []
        for _ in 0..<Self.iterations {
            var bytes = originals[random.nextInt(below: originals.count)]
            let position = random.nextInt(below: bytes.count)
            if random.nextInt(below: 2) == 0 {
                bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: position)
            } else {
                bytes.remove(at: position)
            }
            if let problem = checkConsistency(bytes), problems.count < 5 { problems.append(problem) }
        }
        #expect(problems.isEmpty, "\(problems)")
    }
}

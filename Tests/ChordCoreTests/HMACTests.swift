import Foundation
import Testing
@testable import ChordCore

private func bytes(hex text: String) -> [UInt8] {
    let digits = Array(text.utf8)
    return stride(from: 0, to: digits.count, by: 2).map { index in
        UInt8(String(decoding: digits[index..<(index + 2)], as: UTF8.self), radix: 16)!
    }
}

private func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var random = SeededRandom(seed: seed)
    return (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
}

/// One test case of RFC 4231, section 4.
struct RFC4231Case: Sendable, CustomTestStringConvertible {
    let number: Int
    let key: [UInt8]
    let data: [UInt8]
    /// The HMAC-SHA-256 output as the RFC prints it (case 5: only its first 128 bits).
    let tag: String

    var testDescription: String { "RFC 4231 test case \(number)" }

    static let all: [RFC4231Case] = [
        RFC4231Case(number: 1, key: [UInt8](repeating: 0x0B, count: 20), data: Array("Hi There".utf8),
                    tag: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        RFC4231Case(number: 2, key: Array("Jefe".utf8), data: Array("what do ya want for nothing?".utf8),
                    tag: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        RFC4231Case(number: 3, key: [UInt8](repeating: 0xAA, count: 20), data: [UInt8](repeating: 0xDD, count: 50),
                    tag: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        RFC4231Case(number: 4, key: bytes(hex: "0102030405060708090a0b0c0d0e0f10111213141516171819"),
                    data: [UInt8](repeating: 0xCD, count: 50),
                    tag: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        RFC4231Case(number: 5, key: [UInt8](repeating: 0x0C, count: 20), data: Array("Test With Truncation".utf8),
                    tag: "a3b6167473100ee06e0c796c2955552b"),
        RFC4231Case(number: 6, key: [UInt8](repeating: 0xAA, count: 131),
                    data: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
                    tag: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        RFC4231Case(number: 7, key: [UInt8](repeating: 0xAA, count: 131),
                    data: Array(("This is a test using a larger than block-size key and a larger than block-size data. "
                                 + "The key needs to be hashed before being used by the HMAC algorithm.").utf8),
                    tag: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ]
}

/// Whether `openssl` can compute an HMAC here (used only to cross-check random inputs).
private let opensslPath = ["/usr/bin/openssl", "/usr/local/bin/openssl"]
    .first { FileManager.default.isExecutableFile(atPath: $0) }

/// HMAC-SHA-256 of `message` under `key` as `openssl dgst` prints it, in hex.
private func opensslHMAC(key: [UInt8], message: [UInt8]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: opensslPath!)
    process.arguments = ["dgst", "-sha256", "-mac", "HMAC", "-macopt", "hexkey:\(hex(key))"]
    let input = Pipe(), output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try process.run()
    try input.fileHandleForWriting.write(contentsOf: Data(message))
    try input.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    guard process.terminationStatus == 0, let separator = text.range(of: "= ", options: .backwards) else {
        throw OpenSSLFailure(status: process.terminationStatus, output: text)
    }
    return String(text[separator.upperBound...])
}

private struct OpenSSLFailure: Error {
    let status: Int32
    let output: String
}

@Suite("HMAC-SHA-256")
struct HMACTests {
    @Test(arguments: RFC4231Case.all)
    func rfc4231Vectors(vector: RFC4231Case) {
        let oneShot = HMACSHA256.authenticationCode(for: vector.data, key: vector.key)
        #expect(oneShot.count == HMACSHA256.tagBytes)
        // Case 5 gives only the first 128 bits; the others the whole tag.
        #expect(hex(oneShot.prefix(vector.tag.count / 2)) == vector.tag)
    }

    @Test(arguments: RFC4231Case.all)
    func precomputedStateEqualsOneShot(vector: RFC4231Case) {
        let expected = HMACSHA256.authenticationCode(for: vector.data, key: vector.key)
        let mac = HMACSHA256(key: vector.key)
        // The same keyed value serves many messages: the pads are not used up.
        for _ in 0..<3 {
            #expect(mac.authenticationCode(for: vector.data) == expected)
            #expect(vector.data.withUnsafeBytes { mac.authenticationCode(for: $0) } == expected)
        }
        // The message in two raw parts, split at every offset.
        vector.data.withUnsafeBytes { raw in
            for split in 0...raw.count {
                var computation = mac.makeComputation()
                computation.update(UnsafeRawBufferPointer(rebasing: raw[..<split]))
                computation.update(UnsafeRawBufferPointer(rebasing: raw[split...]))
                #expect(computation.finalize() == expected, "split at \(split)")
            }
        }
    }

    @Test(arguments: RFC4231Case.all)
    func truncatedTagsAndPRFAreThePrefix(vector: RFC4231Case) {
        let mac = HMACSHA256(key: vector.key)
        let expected = mac.authenticationCode(for: vector.data)
        for length in [0, 8, 16, 31, 32, 40] {
            var buffer = [UInt8](repeating: 0xEE, count: length)
            var computation = mac.makeComputation()
            computation.update(vector.data)
            let written = buffer.withUnsafeMutableBytes { computation.finalize(into: $0) }
            #expect(written == Swift.min(length, 32))
            #expect(Array(buffer.prefix(written)) == Array(expected.prefix(written)), "length \(length)")
            #expect(buffer.dropFirst(written).allSatisfy { $0 == 0xEE }, "length \(length)")
        }
        let prf = vector.data.withUnsafeBytes { mac.prf64($0) }
        #expect(prf == expected.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
    }

    @Test func case5TruncatedTagVerifiesAt128Bits() {
        let vector = RFC4231Case.all[4]
        let received = bytes(hex: vector.tag)
        let computed = HMACSHA256.authenticationCode(for: vector.data, key: vector.key)
        #expect(received.count == 16)
        #expect(HMACSHA256.constantTimeEquals(received, computed, prefixLength: 16))
        #expect(!HMACSHA256.constantTimeEquals(received, computed))
        var forged = received
        forged[15] ^= 1
        #expect(!HMACSHA256.constantTimeEquals(forged, computed, prefixLength: 16))
    }

    @Test func keysAroundTheBlockSize() {
        // A key longer than 64 bytes acts as its SHA-256 digest (RFC 2104, section 2); one of
        // at most 64 bytes is used as it is, so 64 and 65 bytes must differ from their digests'.
        let message = Array("keys around the block size".utf8)
        for length in [65, 100, 131, 1000] {
            let key = randomBytes(length, seed: UInt64(length))
            #expect(HMACSHA256.authenticationCode(for: message, key: key)
                    == HMACSHA256.authenticationCode(for: message, key: SHA256.hash(key)), "key of \(length) bytes")
        }
        let key64 = randomBytes(64, seed: 64)
        #expect(HMACSHA256.authenticationCode(for: message, key: key64)
                != HMACSHA256.authenticationCode(for: message, key: SHA256.hash(key64)))
        // Zero padding: a short key and the same key with trailing zeros up to 64 bytes agree.
        let short = randomBytes(20, seed: 20)
        #expect(HMACSHA256.authenticationCode(for: message, key: short)
                == HMACSHA256.authenticationCode(for: message, key: short + [UInt8](repeating: 0, count: 44)))
    }

    @Test func differentKeysAndMessagesGiveDifferentTags() {
        let message = Array("message".utf8)
        let one = HMACSHA256(key: Array("key one".utf8))
        let two = HMACSHA256(key: Array("key two".utf8))
        #expect(one.authenticationCode(for: message) != two.authenticationCode(for: message))
        #expect(one.authenticationCode(for: message) != one.authenticationCode(for: Array("messagf".utf8)))
        #expect(HMACSHA256(key: [UInt8]()).authenticationCode(for: message).count == 32)
    }

    @Test(.enabled(if: opensslPath != nil)) func randomInputsMatchOpenSSL() throws {
        var random = SeededRandom(seed: 0x4D_AC01)
        for (keyLength, messageLength) in [(1, 0), (32, 64), (63, 55), (64, 56), (65, 1200), (131, 1500)] {
            let key = (0..<keyLength).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let message = (0..<messageLength).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let expected = try opensslHMAC(key: key, message: message)
            #expect(hex(HMACSHA256.authenticationCode(for: message, key: key)) == expected,
                    "key \(keyLength) bytes, message \(messageLength) bytes")
        }
    }
}

@Suite("Constant-time comparison")
struct ConstantTimeEqualsTests {
    static let tag = randomBytes(32, seed: 0xC0_4E01)

    @Test func equalBytesCompareEqual() {
        #expect(HMACSHA256.constantTimeEquals(Self.tag, Self.tag))
        #expect(HMACSHA256.constantTimeEquals(Self.tag, Array(Self.tag)[...]))
        #expect(Self.tag.withUnsafeBytes { HMACSHA256.constantTimeEquals($0, Self.tag) })
        #expect(HMACSHA256.constantTimeEquals([UInt8](), [UInt8]()))
    }

    @Test(arguments: [0, 1, 15, 16, 30, 31])
    func aDifferenceAnywhereCompareUnequal(position: Int) {
        var other = Self.tag
        other[position] ^= 0x80
        #expect(!HMACSHA256.constantTimeEquals(Self.tag, other))
        #expect(!HMACSHA256.constantTimeEquals(other, Self.tag))
    }

    @Test func differentLengthsCompareUnequal() {
        #expect(!HMACSHA256.constantTimeEquals(Self.tag, Self.tag.prefix(31)))
        #expect(!HMACSHA256.constantTimeEquals(Self.tag.prefix(16), Self.tag))
        #expect(!HMACSHA256.constantTimeEquals(Self.tag, Self.tag + [0]))
        #expect(!HMACSHA256.constantTimeEquals([UInt8](), Self.tag))
    }

    @Test func prefixComparisonLooksOnlyAtThePrefix() {
        var differentTail = Self.tag
        differentTail[16] ^= 1
        differentTail[31] ^= 1
        #expect(HMACSHA256.constantTimeEquals(Self.tag, differentTail, prefixLength: 16))
        #expect(!HMACSHA256.constantTimeEquals(Self.tag, differentTail, prefixLength: 17))
        #expect(HMACSHA256.constantTimeEquals(Self.tag.prefix(16), Self.tag, prefixLength: 16))

        var differentFirst = Self.tag
        differentFirst[0] ^= 1
        #expect(!HMACSHA256.constantTimeEquals(Self.tag, differentFirst, prefixLength: 16))
        var differentLastOfPrefix = Self.tag
        differentLastOfPrefix[15] ^= 1
        #expect(!HMACSHA256.constantTimeEquals(Self.tag, differentLastOfPrefix, prefixLength: 16))
    }

    @Test func prefixComparisonNeedsThatManyBytesOnBothSides() {
        #expect(!HMACSHA256.constantTimeEquals(Self.tag.prefix(15), Self.tag, prefixLength: 16))
        #expect(!HMACSHA256.constantTimeEquals(Self.tag, Self.tag.prefix(15), prefixLength: 16))
        #expect(!HMACSHA256.constantTimeEquals(Self.tag, Self.tag, prefixLength: 0))
        #expect(!HMACSHA256.constantTimeEquals(Self.tag, Self.tag, prefixLength: -1))
        #expect(!HMACSHA256.constantTimeEquals(Self.tag, Self.tag, prefixLength: 33))
        #expect(HMACSHA256.constantTimeEquals(Self.tag, Self.tag, prefixLength: 32))
    }
}

import Foundation
import Testing
@testable import ChordCore

@Suite("SHA-1")
struct SHA1Tests {
    static let abc448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"

    @Test(arguments: [
        ("abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        ("", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        (abc448, "84983e441c3bd26ebaae4aa1f95129e5e54670f1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "a49b2446a02c645bf419f995b67091253a04a259"),
        ("The quick brown fox jumps over the lazy dog", "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"),
    ])
    func fipsAndWellKnownVectors(message: String, digest: String) {
        #expect(hex(SHA1.hash(message.utf8)) == digest)
        #expect(Identifier.sha1(of: message.utf8).hex == digest)
        #expect(Identifier.forKey(message).hex == digest)
    }

    @Test func oneMillionLettersAFedInChunks() {
        // FIPS 180 / RFC 3174 test 3 (also what sha1sum prints).
        let expected = "34aa973cd4c4daa4f61eeb2bdbad27316534016f"
        // Uneven chunk sizes so chunk edges fall on every offset within a 64-byte block.
        let chunkSizes = [1, 63, 64, 65, 7, 1000, 55, 56, 4096, 3]
        var sha = SHA1()
        var fed = 0, turn = 0
        let total = 1_000_000
        while fed < total {
            let size = Swift.min(chunkSizes[turn % chunkSizes.count], total - fed)
            sha.update(repeatElement(UInt8(ascii: "a"), count: size))
            fed += size
            turn += 1
        }
        #expect(hex(sha.finalize()) == expected)
        #expect(hex(SHA1.hash([UInt8](repeating: UInt8(ascii: "a"), count: total))) == expected)
    }

    @Test func digestIsTwentyBytes() {
        #expect(SHA1.hash([UInt8]()).count == 20)
        #expect(SHA1.hash([UInt8](repeating: 7, count: 1000)).count == 20)
    }

    @Test func emptyUpdatesChangeNothing() {
        var sha = SHA1()
        sha.update([UInt8]())
        sha.update("ab".utf8)
        sha.update([UInt8]())
        sha.update("c".utf8)
        sha.update(EmptyCollection<UInt8>())
        #expect(hex(sha.finalize()) == "a9993e364706816aba3e25717850c26c9cd0d89d")
    }

    @Test func everySplitPointGivesTheSameDigest() {
        // 150 bytes span three blocks; splitting anywhere (including at 55, 56, 63, 64, 65,
        // 119, 120, 128) must not change the digest.
        var random = SeededRandom(seed: 0x5A_0001)
        let message = (0..<150).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        let whole = SHA1.hash(message)
        for split in 0...message.count {
            var sha = SHA1()
            sha.update(message[..<split])
            sha.update(message[split...])
            #expect(sha.finalize() == whole, "split at \(split)")
        }
        for split in stride(from: 0, through: message.count, by: 7) {
            var sha = SHA1()
            for byte in message[..<split] { sha.update(CollectionOfOne(byte)) }
            sha.update(message[split...])
            #expect(sha.finalize() == whole, "byte-wise up to \(split)")
        }
    }

    @Test func paddingBoundaryLengthsAreDistinctAndStable() {
        expectPaddingBoundaryDigestsDistinct { SHA1.hash($0) }
    }

    @Test func sequenceInputsAreAccepted() {
        let bytes = Array("abc".utf8)
        #expect(SHA1.hash(bytes) == SHA1.hash(bytes[...]))
        #expect(SHA1.hash(bytes) == SHA1.hash(bytes.lazy.map { $0 }))
        #expect(SHA1.hash(bytes) == SHA1.hash(AnySequence(bytes)))
        #expect(Identifier.sha1(of: bytes).bigEndianBytes == SHA1.hash(bytes))
    }

    @Test func nodeAndKeyIdentifiersHashTheUTF8Text() {
        #expect(Identifier.forNode(advertising: "127.0.0.1:4000") == Identifier.sha1(of: Array("127.0.0.1:4000".utf8)))
        #expect(Identifier.forKey("héllo wörld") == Identifier.sha1(of: Array("héllo wörld".utf8)))
        #expect(Identifier.forKey("a") != Identifier.forKey("b"))
        #expect(Identifier.forNode(advertising: "127.0.0.1:4000") != Identifier.forNode(advertising: "127.0.0.1:4001"))
    }

    // MARK: - Against the system's sha1sum

    @Test(.enabled(if: SystemDigest.sha1.isAvailable)) func randomInputsMatchSystemSHA1Sum() throws {
        var random = SeededRandom(seed: 0x5A_0002)
        // Boundary lengths around the 55/56-byte padding edge and the 64-byte block size,
        // then random lengths in 0...300.
        var lengths = [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 300]
        while lengths.count < 24 { lengths.append(random.nextInt(below: 301)) }
        let inputs = lengths.map { length in (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) } }
        let expected = try SystemDigest.sha1.digests(inputs)
        for (input, digest) in zip(inputs, expected) {
            #expect(hex(SHA1.hash(input)) == digest, "length \(input.count)")
        }
    }

    @Test(.enabled(if: SystemDigest.sha1.isAvailable)) func nodeAndKeyIdentifiersMatchSystemSHA1Sum() throws {
        let nodes = ["127.0.0.1:4000", "[::1]:5", "10.0.0.7:65535", "[2001:db8::1]:80"]
        let keys = ["", "hello", "a key with spaces", "ключ", String(repeating: "k", count: 200)]
        let expected = try SystemDigest.sha1.digests((nodes + keys).map { Array($0.utf8) })
        for (node, digest) in zip(nodes, expected) {
            #expect(Identifier.forNode(advertising: node).hex == digest, "\(node)")
        }
        for (key, digest) in zip(keys, expected.dropFirst(nodes.count)) {
            #expect(Identifier.forKey(key).hex == digest, "\(key)")
        }
        #expect(expected[0] == Identifier.forNode(advertising: "127.0.0.1:4000").hex)
    }
}

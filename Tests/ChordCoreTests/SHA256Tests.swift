import Foundation
import Testing
@testable import ChordCore

private func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var random = SeededRandom(seed: seed)
    return (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
}

@Suite("SHA-256")
struct SHA256Tests {
    static let abc448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
    static let abc896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"

    /// FIPS 180-4 examples (NIST CSRC "SHA256.pdf", "SHA2_Additional.pdf") and a well-known one.
    @Test(arguments: [
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        (abc448, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        (abc896, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
        ("The quick brown fox jumps over the lazy dog", "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592"),
    ])
    func fipsAndWellKnownVectors(message: String, digest: String) {
        let bytes = Array(message.utf8)
        #expect(hex(SHA256.hash(message.utf8)) == digest)
        #expect(hex(SHA256.hash(bytes)) == digest)
        #expect(hex(bytes.withUnsafeBytes { SHA256.hash($0) }) == digest)
    }

    @Test func oneMillionLettersA() {
        // FIPS 180-4 / NIST long-message example: 1,000,000 repetitions of "a".
        let expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        let total = 1_000_000
        #expect(hex(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: total))) == expected)
        // Fed in uneven chunks (through the non-contiguous path: `repeatElement` has no storage),
        // so chunk edges fall on every offset within a block.
        let chunkSizes = [1, 63, 64, 65, 7, 1000, 55, 56, 4096, 3]
        var sha = SHA256()
        var fed = 0, turn = 0
        while fed < total {
            let size = Swift.min(chunkSizes[turn % chunkSizes.count], total - fed)
            sha.update(repeatElement(UInt8(ascii: "a"), count: size))
            fed += size
            turn += 1
        }
        #expect(hex(sha.finalize()) == expected)
    }

    @Test func digestIsThirtyTwoBytes() {
        #expect(SHA256.hash([UInt8]()).count == 32)
        #expect(SHA256.hash([UInt8](repeating: 7, count: 1000)).count == SHA256.digestBytes)
    }

    @Test func emptyUpdatesChangeNothing() {
        var sha = SHA256()
        sha.update([UInt8]())
        sha.update("ab".utf8)
        sha.update(UnsafeRawBufferPointer(start: nil, count: 0))
        sha.update("c".utf8)
        sha.update(EmptyCollection<UInt8>())
        #expect(hex(sha.finalize()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func everySplitPointFrom0To130GivesTheSameDigest() {
        // 200 bytes span four blocks; the splits cover the padding edges 55/56 and the block
        // edges 63/64/65 and 127/128/129.
        let message = randomBytes(200, seed: 0x5A_2561)
        let whole = SHA256.hash(message)
        for split in 0...130 {
            var sha = SHA256()
            sha.update(message[..<split])
            sha.update(message[split...])
            #expect(sha.finalize() == whole, "split at \(split)")

            var raw = SHA256()
            message.withUnsafeBytes { bytes in
                raw.update(UnsafeRawBufferPointer(rebasing: bytes[..<split]))
                raw.update(UnsafeRawBufferPointer(rebasing: bytes[split...]))
            }
            #expect(raw.finalize() == whole, "raw split at \(split)")
        }
    }

    @Test func threeWaySplitsAndByteWiseFeedingGiveTheSameDigest() {
        let message = randomBytes(150, seed: 0x5A_2562)
        let whole = SHA256.hash(message)
        for first in stride(from: 0, through: 130, by: 5) {
            for second in stride(from: first, through: 150, by: 9) {
                var sha = SHA256()
                sha.update(message[..<first])
                sha.update(message[first..<second])
                sha.update(message[second...])
                #expect(sha.finalize() == whole, "splits at \(first), \(second)")
            }
        }
        var sha = SHA256()
        for byte in message { sha.update(CollectionOfOne(byte)) }
        #expect(sha.finalize() == whole)
    }

    @Test func messageCrossingBlockBoundariesInUnevenChunks() {
        // 1000 bytes fed as 1, 63, 64, 65, 7, 120, 3, 200, ...: chunks start and end inside
        // blocks, fill a partial block exactly, and carry several whole blocks at once.
        let message = randomBytes(1000, seed: 0x5A_2563)
        let chunkSizes = [1, 63, 64, 65, 7, 120, 3, 200, 56, 55]
        var sha = SHA256()
        var fed = 0, turn = 0
        while fed < message.count {
            let size = Swift.min(chunkSizes[turn % chunkSizes.count], message.count - fed)
            sha.update(message[fed..<(fed + size)])
            fed += size
            turn += 1
        }
        #expect(sha.finalize() == SHA256.hash(message))
    }

    @Test func paddingBoundaryLengthsAreDistinctAndStable() {
        expectPaddingBoundaryDigestsDistinct { SHA256.hash($0) }
    }

    @Test func sequenceInputsAreAccepted() {
        let bytes = randomBytes(300, seed: 0x5A_2564)
        let expected = SHA256.hash(bytes)
        #expect(SHA256.hash(bytes[...]) == expected)
        #expect(SHA256.hash(bytes.lazy.map { $0 }) == expected)
        #expect(SHA256.hash(AnySequence(bytes)) == expected)
        #expect(SHA256.hash(ContiguousArray(bytes)) == expected)
    }

    @Test func copiesContinueIndependently() {
        // HMACSHA256 relies on this: a copy of a state in progress is a separate computation.
        let prefix = randomBytes(100, seed: 0x5A_2566)
        var common = SHA256()
        common.update(prefix)
        var left = common, right = common
        left.update("left".utf8)
        right.update("right".utf8)
        #expect(left.finalize() == SHA256.hash(prefix + Array("left".utf8)))
        #expect(right.finalize() == SHA256.hash(prefix + Array("right".utf8)))
        #expect(common.finalize() == SHA256.hash(prefix))
    }

    // MARK: - Against the system's sha256sum

    @Test(.enabled(if: SystemDigest.sha256.isAvailable)) func randomInputsMatchSystemSHA256Sum() throws {
        var random = SeededRandom(seed: 0x5A_2565)
        var lengths = [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1200, 1500]
        while lengths.count < 30 { lengths.append(random.nextInt(below: 1501)) }
        let inputs = lengths.map { length in (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) } }
        let expected = try SystemDigest.sha256.digests(inputs)
        for (input, digest) in zip(inputs, expected) {
            #expect(hex(SHA256.hash(input)) == digest, "length \(input.count)")
        }
    }
}

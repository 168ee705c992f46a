import Testing
@testable import ChordCore

/// Bytes, ordering and hexadecimal text of `Identifier`.
@Suite("Identifier: bytes, ordering, hex")
struct IdentifierTests {
    /// 0x01 0x02 ... 0x14: every byte distinct, so a misplaced byte shows up.
    static let countingBytes: [UInt8] = Array(1...20)
    static let countingHex = "0102030405060708090a0b0c0d0e0f1011121314"

    // MARK: - Bytes

    @Test func bytesMapOntoWordsBigEndian() throws {
        let id = try #require(Identifier(bigEndianBytes: Self.countingBytes))
        #expect(id.high == 0x0102_0304)
        #expect(id.middle == 0x0506_0708_090A_0B0C)
        #expect(id.low == 0x0D0E_0F10_1112_1314)
        #expect(id.bigEndianBytes == Self.countingBytes)
    }

    @Test func bytesAcceptAnyCollection() throws {
        let fromSlice = try #require(Identifier(bigEndianBytes: ([0xAA] + Self.countingBytes)[1...]))
        let fromArray = try #require(Identifier(bigEndianBytes: Self.countingBytes))
        #expect(fromSlice == fromArray)
    }

    @Test(arguments: [0, 1, 4, 12, 19, 21, 32, 40])
    func bytesOfWrongLengthAreRejected(length: Int) {
        #expect(Identifier(bigEndianBytes: [UInt8](repeating: 0xAB, count: length)) == nil)
    }

    @Test func bytesRoundTripForRandomIdentifiers() throws {
        var random = SeededRandom(seed: 0x1D_0001)
        for _ in 0..<500 {
            let id = random.nextIdentifier()
            let bytes = id.bigEndianBytes
            #expect(bytes.count == Identifier.byteCount)
            #expect(try #require(Identifier(bigEndianBytes: bytes)) == id)
        }
        for _ in 0..<500 {
            let bytes = (0..<20).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            #expect(try #require(Identifier(bigEndianBytes: bytes)).bigEndianBytes == bytes)
        }
    }

    @Test func highWordIsReducedModulo2To32() {
        let id = Identifier(high: 0xDEAD_BEEF_0000_0001, middle: 2, low: 3)
        #expect(id.high == 1)
        #expect(id == Identifier(high: 1, middle: 2, low: 3))
        #expect(Identifier(high: .max, middle: .max, low: .max) == .max)
    }

    @Test func smallIntegerInitializer() {
        #expect(Identifier(0) == .zero)
        #expect(Identifier(0x1234) == Identifier(high: 0, middle: 0, low: 0x1234))
        #expect(Identifier(.max).bigEndianBytes == [UInt8](repeating: 0, count: 12) + [UInt8](repeating: 0xFF, count: 8))
    }

    // MARK: - Zero and max

    @Test func zeroAndMax() {
        #expect(Identifier.zero.bigEndianBytes == [UInt8](repeating: 0, count: 20))
        #expect(Identifier.max.bigEndianBytes == [UInt8](repeating: 0xFF, count: 20))
        #expect(Identifier.max.high == 0xFFFF_FFFF)
        #expect(Identifier.zero < .max)
        #expect(Identifier.bitWidth == 160)
        #expect(Identifier.byteCount == 20)
        var random = SeededRandom(seed: 0x1D_0002)
        for _ in 0..<200 {
            let id = random.nextIdentifier()
            #expect(Identifier.zero <= id)
            #expect(id <= Identifier.max)
        }
    }

    // MARK: - Ordering

    @Test func higherWordsDominateOrdering() {
        let a = Identifier(high: 1, middle: 0, low: 0)
        let b = Identifier(high: 0, middle: .max, low: .max)
        #expect(b < a)
        let c = Identifier(high: 7, middle: 1, low: 0)
        let d = Identifier(high: 7, middle: 0, low: .max)
        #expect(d < c)
        let e = Identifier(high: 7, middle: 1, low: 5)
        let f = Identifier(high: 7, middle: 1, low: 6)
        #expect(e < f)
        #expect(!(f < e))
        #expect(!(e < e))
        #expect(e <= e)
    }

    @Test func orderingMatchesLexicographicByteOrder() {
        var random = SeededRandom(seed: 0x1D_0003)
        for _ in 0..<2_000 {
            let a = random.nextIdentifier()
            // Share a prefix of words with `a` half the time so the lower words get compared.
            let b: Identifier
            switch random.nextInt(below: 4) {
            case 0: b = random.nextIdentifier()
            case 1: b = Identifier(high: a.high, middle: random.next(), low: random.next())
            case 2: b = Identifier(high: a.high, middle: a.middle, low: random.next())
            default: b = a
            }
            let byteOrder = a.bigEndianBytes.lexicographicallyPrecedes(b.bigEndianBytes)
            #expect((a < b) == byteOrder)
            #expect((a == b) == (a.bigEndianBytes == b.bigEndianBytes))
        }
    }

    @Test func sortingIsNumeric() {
        let ids = [Identifier.max, Identifier(5), .zero, Identifier(high: 1, middle: 0, low: 0), Identifier(high: 0, middle: 1, low: 0)]
        #expect(ids.sorted() == [.zero, Identifier(5), Identifier(high: 0, middle: 1, low: 0), Identifier(high: 1, middle: 0, low: 0), .max])
    }

    // MARK: - Hex printing

    @Test func hexOfKnownValues() throws {
        #expect(Identifier.zero.hex == String(repeating: "0", count: 40))
        #expect(Identifier.max.hex == String(repeating: "f", count: 40))
        #expect(Identifier(1).hex == String(repeating: "0", count: 39) + "1")
        #expect(try #require(Identifier(bigEndianBytes: Self.countingBytes)).hex == Self.countingHex)
        #expect(Identifier(high: 0xABCD_EF01, middle: 0, low: 0).hex == "abcdef01" + String(repeating: "0", count: 32))
    }

    @Test func hexIsAlwaysFortyLowerCaseDigits() {
        var random = SeededRandom(seed: 0x1D_0004)
        let allowed = Set("0123456789abcdef")
        for _ in 0..<500 {
            let hex = random.nextIdentifier().hex
            #expect(hex.count == 40)
            #expect(hex.utf8.count == 40)
            #expect(hex.allSatisfy { allowed.contains($0) })
        }
    }

    @Test func descriptionAndShortHex() throws {
        let id = try #require(Identifier(bigEndianBytes: Self.countingBytes))
        #expect(id.description == Self.countingHex)
        #expect("\(id)" == Self.countingHex)
        #expect(id.shortHex() == "01020304")
        #expect(id.shortHex(4) == "0102")
        #expect(id.shortHex(0) == "")
        #expect(id.shortHex(40) == Self.countingHex)
        #expect(id.shortHex(100) == Self.countingHex)
    }

    // MARK: - Hex parsing

    @Test func hexParsesKnownValues() throws {
        #expect(Identifier(hex: Self.countingHex) == Identifier(bigEndianBytes: Self.countingBytes))
        #expect(Identifier(hex: String(repeating: "0", count: 40)) == .zero)
        #expect(Identifier(hex: String(repeating: "f", count: 40)) == .max)
        #expect(Identifier(hex: String(repeating: "F", count: 40)) == .max)
    }

    @Test func hexParsingAcceptsUpperAndMixedCase() throws {
        let lower = "a9993e364706816aba3e25717850c26c9cd0d89d"
        let expected = try #require(Identifier(hex: lower))
        #expect(Identifier(hex: lower.uppercased()) == expected)
        #expect(Identifier(hex: "A9993e364706816ABA3E25717850c26c9cd0D89d") == expected)
        #expect(expected.hex == lower)
    }

    @Test func hexParsingAcceptsSubstrings() throws {
        let text = "id=" + Self.countingHex + "!"
        let slice = text.dropFirst(3).dropLast()
        #expect(Identifier(hex: slice) == Identifier(bigEndianBytes: Self.countingBytes))
    }

    @Test(arguments: [
        "",
        String(repeating: "0", count: 39),
        String(repeating: "0", count: 41),
        String(repeating: "0", count: 80),
        String(repeating: "0", count: 39) + "g",
        "g" + String(repeating: "0", count: 39),
        String(repeating: "0", count: 20) + "x" + String(repeating: "0", count: 19),
        "0x" + String(repeating: "0", count: 38),
        " " + String(repeating: "0", count: 39),
        String(repeating: "0", count: 39) + " ",
        String(repeating: "0", count: 38) + "-1",
        String(repeating: "0", count: 38) + "+1",
        String(repeating: "0", count: 38) + "é",       // 40 UTF-8 bytes, 39 characters
        String(repeating: "0", count: 39) + "é",       // 40 characters, 41 UTF-8 bytes
        String(repeating: "0", count: 39) + "\u{FF10}", // fullwidth digit zero
    ])
    func hexParsingRejectsMalformedText(text: String) {
        #expect(Identifier(hex: text) == nil)
        #expect(Identifier(text) == nil)
    }

    @Test func hexRoundTripsForRandomIdentifiers() {
        var random = SeededRandom(seed: 0x1D_0005)
        for _ in 0..<500 {
            let id = random.nextIdentifier()
            #expect(Identifier(hex: id.hex) == id)
            #expect(Identifier(hex: id.hex.uppercased()) == id)
            #expect(Identifier(id.description) == id)
        }
    }

    @Test func losslessStringConvertible() {
        func roundTrip<T: LosslessStringConvertible & Equatable>(_ value: T) -> Bool {
            T(value.description) == value
        }
        var random = SeededRandom(seed: 0x1D_0006)
        #expect(roundTrip(Identifier.zero))
        #expect(roundTrip(Identifier.max))
        #expect(roundTrip(random.nextIdentifier()))
    }

    @Test func hashableAgreesWithEquality() {
        var random = SeededRandom(seed: 0x1D_0007)
        let ids = (0..<100).map { _ in random.nextIdentifier() }
        let set = Set(ids + ids)
        #expect(set.count == 100)
        for id in ids {
            let copy = Identifier(high: id.high, middle: id.middle, low: id.low)
            #expect(copy == id)
            #expect(copy.hashValue == id.hashValue)
            #expect(set.contains(copy))
        }
    }
}

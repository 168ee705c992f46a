import Testing
@testable import ChordCore

/// Reference arithmetic on 20 big-endian bytes, independent of the word-based implementation.
private enum ByteArithmetic {
    static func add(_ a: Identifier, _ b: Identifier) -> Identifier {
        let x = a.bigEndianBytes, y = b.bigEndianBytes
        var result = [UInt8](repeating: 0, count: 20)
        var carry = 0
        for index in stride(from: 19, through: 0, by: -1) {
            let sum = Int(x[index]) + Int(y[index]) + carry
            result[index] = UInt8(sum & 0xFF)
            carry = sum >> 8
        }
        return Identifier(bigEndianBytes: result)!
    }

    static func subtract(_ a: Identifier, _ b: Identifier) -> Identifier {
        let x = a.bigEndianBytes, y = b.bigEndianBytes
        var result = [UInt8](repeating: 0, count: 20)
        var borrow = 0
        for index in stride(from: 19, through: 0, by: -1) {
            var difference = Int(x[index]) - Int(y[index]) - borrow
            borrow = difference < 0 ? 1 : 0
            if difference < 0 { difference += 256 }
            result[index] = UInt8(difference)
        }
        return Identifier(bigEndianBytes: result)!
    }

    static func highestSetBit(_ a: Identifier) -> Int? {
        for (index, byte) in a.bigEndianBytes.enumerated() where byte != 0 {
            return (19 - index) * 8 + (7 - byte.leadingZeroBitCount)
        }
        return nil
    }
}

/// A random identifier whose words are often 0, all ones, or shared, so carries and borrows
/// across word boundaries actually happen.
private func edgyIdentifier(_ random: inout SeededRandom) -> Identifier {
    func word(_ random: inout SeededRandom) -> UInt64 {
        switch random.nextInt(below: 6) {
        case 0: return 0
        case 1: return .max
        case 2: return 1
        case 3: return .max - 1
        default: return random.next()
        }
    }
    return Identifier(high: word(&random), middle: word(&random), low: word(&random))
}

@Suite("Identifier: ring arithmetic")
struct IdentifierRingTests {
    static let one = Identifier(1)
    static let lowMax = Identifier(high: 0, middle: 0, low: .max)              // 2^64 - 1
    static let twoTo64 = Identifier(high: 0, middle: 1, low: 0)
    static let middleLowMax = Identifier(high: 0, middle: .max, low: .max)     // 2^128 - 1
    static let twoTo128 = Identifier(high: 1, middle: 0, low: 0)

    // MARK: - Addition

    @Test func additionWithoutCarry() {
        #expect(Identifier(2).adding(Identifier(3)) == Identifier(5))
        #expect(Identifier(high: 1, middle: 2, low: 3).adding(Identifier(high: 10, middle: 20, low: 30))
                == Identifier(high: 11, middle: 22, low: 33))
        #expect(Identifier.zero.adding(.zero) == .zero)
    }

    @Test func additionCarriesFromLowIntoMiddle() {
        #expect(Self.lowMax.adding(Self.one) == Self.twoTo64)
        #expect(Identifier(high: 0, middle: 5, low: .max).adding(Identifier(2)) == Identifier(high: 0, middle: 6, low: 1))
        #expect(Self.lowMax.adding(Self.lowMax) == Identifier(high: 0, middle: 1, low: .max - 1))
    }

    @Test func additionCarriesFromMiddleIntoHigh() {
        #expect(Identifier(high: 0, middle: .max, low: 0).adding(Self.twoTo64) == Self.twoTo128)
        #expect(Identifier(high: 3, middle: .max, low: 7).adding(Identifier(high: 0, middle: 2, low: 1))
                == Identifier(high: 4, middle: 1, low: 8))
    }

    @Test func additionCarryRipplesThroughBothBoundaries() {
        // Low carry makes middle overflow, which must carry into high.
        #expect(Self.middleLowMax.adding(Self.one) == Self.twoTo128)
        #expect(Identifier(high: 9, middle: .max, low: .max).adding(Self.one) == Identifier(high: 10, middle: 0, low: 0))
        // Middle overflows by itself and also receives the low carry: still only one carry into high.
        #expect(Identifier(high: 0, middle: .max, low: .max).adding(Identifier(high: 0, middle: .max, low: 1))
                == Identifier(high: 1, middle: .max, low: 0))
    }

    @Test func additionWrapsModulo2To160() {
        #expect(Identifier.max.adding(Self.one) == .zero)
        #expect(Self.one.adding(.max) == .zero)
        #expect(Identifier.max.adding(.max) == Identifier(high: 0xFFFF_FFFF, middle: .max, low: .max - 1))
        #expect(Identifier(high: 0xFFFF_FFFF, middle: 0, low: 0).adding(Self.twoTo128) == .zero)
        #expect(Identifier(high: 0x8000_0000, middle: 0, low: 0).adding(Identifier(high: 0x8000_0000, middle: 0, low: 5))
                == Identifier(5))
        #expect(Identifier.max.adding(Identifier(10)) == Identifier(9))
    }

    @Test func additionIsCommutativeAssociativeWithIdentity() {
        var random = SeededRandom(seed: 0x21_0001)
        for _ in 0..<1_000 {
            let a = edgyIdentifier(&random), b = edgyIdentifier(&random), c = edgyIdentifier(&random)
            #expect(a.adding(b) == b.adding(a))
            #expect(a.adding(b).adding(c) == a.adding(b.adding(c)))
            #expect(a.adding(.zero) == a)
        }
    }

    @Test func additionMatchesByteReference() {
        var random = SeededRandom(seed: 0x21_0002)
        for _ in 0..<3_000 {
            let a = edgyIdentifier(&random), b = edgyIdentifier(&random)
            #expect(a.adding(b) == ByteArithmetic.add(a, b), "\(a) + \(b)")
        }
    }

    // MARK: - Subtraction and distance

    @Test func subtractionBorrows() {
        #expect(Identifier(5).subtracting(Identifier(3)) == Identifier(2))
        #expect(Self.twoTo64.subtracting(Self.one) == Self.lowMax)
        #expect(Self.twoTo128.subtracting(Self.one) == Self.middleLowMax)
        #expect(Self.twoTo128.subtracting(Self.twoTo64) == Identifier(high: 0, middle: .max, low: 0))
        #expect(Identifier(high: 4, middle: 1, low: 8).subtracting(Identifier(high: 0, middle: 2, low: 1))
                == Identifier(high: 3, middle: .max, low: 7))
        // Middle underflows by itself and also owes the low borrow: only one borrow from high.
        #expect(Identifier(high: 1, middle: .max, low: 0).subtracting(Identifier(high: 0, middle: .max, low: 1))
                == Identifier(high: 0, middle: .max, low: .max))
    }

    @Test func subtractionWrapsModulo2To160() {
        #expect(Identifier.zero.subtracting(Self.one) == .max)
        #expect(Identifier.zero.subtracting(.max) == Self.one)
        #expect(Identifier(3).subtracting(Identifier(5)) == Identifier.max.subtracting(Self.one))
        #expect(Identifier.zero.subtracting(Self.twoTo128) == Identifier(high: 0xFFFF_FFFF, middle: 0, low: 0))
    }

    @Test func subtractionMatchesByteReferenceAndUndoesAddition() {
        var random = SeededRandom(seed: 0x21_0003)
        for _ in 0..<3_000 {
            let a = edgyIdentifier(&random), b = edgyIdentifier(&random)
            #expect(a.subtracting(b) == ByteArithmetic.subtract(a, b), "\(a) - \(b)")
            #expect(a.adding(b).subtracting(b) == a)
            #expect(a.subtracting(b).adding(b) == a)
            #expect(a.subtracting(a) == .zero)
        }
    }

    @Test func distanceIsClockwise() {
        #expect(Identifier(3).distance(to: Identifier(10)) == Identifier(7))
        #expect(Identifier(10).distance(to: Identifier(3)) == Identifier.max.subtracting(Identifier(6)))
        #expect(Identifier.max.distance(to: .zero) == Self.one)
        #expect(Identifier.zero.distance(to: .max) == .max)
        #expect(Identifier(42).distance(to: Identifier(42)) == .zero)
        var random = SeededRandom(seed: 0x21_0004)
        for _ in 0..<1_000 {
            let a = edgyIdentifier(&random), b = edgyIdentifier(&random)
            #expect(a.distance(to: b) == b.subtracting(a))
            #expect(a.adding(a.distance(to: b)) == b)
            if a != b {
                // The two ways round add up to the whole ring.
                #expect(a.distance(to: b).adding(b.distance(to: a)) == .zero)
            }
        }
    }

    // MARK: - Powers of two and fingers

    @Test(arguments: [
        (0, Identifier(high: 0, middle: 0, low: 1)),
        (1, Identifier(high: 0, middle: 0, low: 2)),
        (63, Identifier(high: 0, middle: 0, low: 1 << 63)),
        (64, Identifier(high: 0, middle: 1, low: 0)),
        (65, Identifier(high: 0, middle: 2, low: 0)),
        (127, Identifier(high: 0, middle: 1 << 63, low: 0)),
        (128, Identifier(high: 1, middle: 0, low: 0)),
        (159, Identifier(high: 0x8000_0000, middle: 0, low: 0)),
    ])
    func powerOfTwo(exponent: Int, expected: Identifier) {
        #expect(Identifier.powerOfTwo(exponent) == expected)
        #expect(Identifier.powerOfTwo(exponent).highestSetBit == exponent)
    }

    @Test func everyPowerOfTwoHasExactlyOneBitInTheRightByte() {
        for exponent in 0..<160 {
            let bytes = Identifier.powerOfTwo(exponent).bigEndianBytes
            var expected = [UInt8](repeating: 0, count: 20)
            expected[19 - exponent / 8] = 1 << UInt8(exponent % 8)
            #expect(bytes == expected, "2^\(exponent)")
            if exponent > 0 {
                // 2^k = 2^(k-1) + 2^(k-1)
                let half = Identifier.powerOfTwo(exponent - 1)
                #expect(half.adding(half) == Identifier.powerOfTwo(exponent))
            }
        }
        #expect(Identifier.powerOfTwo(159).adding(.powerOfTwo(159)) == .zero)
    }

    @Test func fingerStartIsSelfPlusPowerOfTwo() {
        var random = SeededRandom(seed: 0x21_0005)
        for _ in 0..<200 {
            let node = edgyIdentifier(&random)
            for index in [0, 1, 31, 32, 63, 64, 95, 127, 128, 150, 159] {
                #expect(node.fingerStart(index) == node.adding(.powerOfTwo(index)))
                #expect(node.distance(to: node.fingerStart(index)) == .powerOfTwo(index))
            }
        }
        #expect(Identifier(100).fingerStart(0) == Identifier(101))
        #expect(Identifier(100).fingerStart(3) == Identifier(108))
    }

    @Test func fingerStartWrapsAroundZero() {
        #expect(Identifier.max.fingerStart(0) == .zero)
        #expect(Identifier.max.fingerStart(1) == Self.one)
        #expect(Identifier.max.fingerStart(64) == Self.lowMax)
        #expect(Identifier.max.fingerStart(159) == Identifier.powerOfTwo(159).subtracting(Self.one))
        #expect(Identifier.powerOfTwo(159).fingerStart(159) == .zero)
        // 2^160 - 5 + 2^3 = 3
        #expect(Identifier.zero.subtracting(Identifier(5)).fingerStart(3) == Identifier(3))
        // Node in the top half: its last finger lands in the bottom half.
        let node = Identifier(high: 0xC000_0000, middle: 7, low: 9)
        #expect(node.fingerStart(159) == Identifier(high: 0x4000_0000, middle: 7, low: 9))
        #expect(node.fingerStart(159) < node)
    }

    // MARK: - Highest set bit

    @Test func highestSetBitOfKnownValues() {
        #expect(Identifier.zero.highestSetBit == nil)
        #expect(Self.one.highestSetBit == 0)
        #expect(Identifier(2).highestSetBit == 1)
        #expect(Identifier(3).highestSetBit == 1)
        #expect(Self.lowMax.highestSetBit == 63)
        #expect(Self.twoTo64.highestSetBit == 64)
        #expect(Identifier(high: 0, middle: 1, low: .max).highestSetBit == 64)
        #expect(Self.middleLowMax.highestSetBit == 127)
        #expect(Self.twoTo128.highestSetBit == 128)
        #expect(Identifier(high: 1, middle: .max, low: .max).highestSetBit == 128)
        #expect(Identifier.max.highestSetBit == 159)
    }

    @Test func highestSetBitMatchesByteReference() {
        var random = SeededRandom(seed: 0x21_0006)
        for _ in 0..<2_000 {
            // Shift a random identifier right by a random amount so every bit position appears.
            var id = random.nextIdentifier()
            let shift = random.nextInt(below: 161)
            var bytes = id.bigEndianBytes
            for _ in 0..<shift {
                var carry: UInt8 = 0
                for index in 0..<20 {
                    let next = bytes[index] & 1
                    bytes[index] = bytes[index] >> 1 | carry << 7
                    carry = next
                }
            }
            id = Identifier(bigEndianBytes: bytes)!
            #expect(id.highestSetBit == ByteArithmetic.highestSetBit(id), "\(id)")
        }
    }

    @Test func highestSetBitSelectsTheFingerCoveringADistance() {
        // For d != 0: 2^k <= d < 2^(k+1) where k = highestSetBit(d).
        var random = SeededRandom(seed: 0x21_0007)
        for _ in 0..<1_000 {
            let d = edgyIdentifier(&random)
            guard let k = d.highestSetBit else {
                #expect(d == .zero)
                continue
            }
            #expect(Identifier.powerOfTwo(k) <= d)
            if k < 159 { #expect(d < Identifier.powerOfTwo(k + 1)) }
        }
    }
}

@Suite("Identifier: midpoint")
struct MidpointTests {
    @Test func midpointLiesHalfwayClockwise() {
        #expect(Identifier(10).midpoint(to: Identifier(20)) == Identifier(15))
        // Across zero: from max − 9 to 10 is 20 steps; halfway is 0.
        let high = Identifier.max.subtracting(Identifier(9))
        #expect(high.midpoint(to: Identifier(10)) == Identifier(0))
        // Across the middle word: the carry comes down.
        let a = Identifier(high: 0, middle: 1, low: 0)
        #expect(Identifier.zero.midpoint(to: a) == Identifier(high: 0, middle: 0, low: 1 << 63))
        #expect(Identifier(7).midpoint(to: Identifier(7)) == Identifier(7))
    }
}

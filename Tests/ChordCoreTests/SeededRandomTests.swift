import Testing
@testable import ChordCore

@Suite("SeededRandom")
struct SeededRandomTests {
    private static func draws(_ seed: UInt64, _ count: Int) -> [UInt64] {
        var random = SeededRandom(seed: seed)
        return (0..<count).map { _ in random.next() }
    }

    /// Golden outputs of xoshiro256** seeded by SplitMix64, from an independent implementation.
    /// Simulations replay only if these never change.
    @Test(arguments: [
        (UInt64(0), [UInt64(0x99EC_5F36_CB75_F2B4), 0xBF6E_1F78_4956_452A, 0x1A5F_849D_4933_E6E0,
                     0x6AA5_94F1_262D_2D2C, 0xBBA5_AD4A_1F84_2E59]),
        (UInt64(42), [UInt64(0x1578_0B2E_0C2E_C716), 0x6104_D986_6D11_3A7E, 0xAE17_5332_39E4_99A1,
                      0xECB8_AD47_03B3_60A1, 0xFDE6_DC7F_E2EC_5E64]),
    ])
    func goldenSequence(seed: UInt64, expected: [UInt64]) {
        #expect(Self.draws(seed, expected.count) == expected)
    }

    @Test(arguments: [UInt64(0), 1, 42, 0xDEAD_BEEF, .max])
    func sameSeedSameSequence(seed: UInt64) {
        #expect(Self.draws(seed, 1_000) == Self.draws(seed, 1_000))
        var a = SeededRandom(seed: seed), b = SeededRandom(seed: seed)
        for _ in 0..<200 {
            #expect(a.nextUnit() == b.nextUnit())
            #expect(a.nextInt(below: 1_000) == b.nextInt(below: 1_000))
            #expect(a.nextIdentifier() == b.nextIdentifier())
        }
    }

    @Test func copiesContinueIdentically() {
        var original = SeededRandom(seed: 7)
        _ = (0..<10).map { _ in original.next() }
        var copy = original
        #expect((0..<100).map { _ in original.next() } == (0..<100).map { _ in copy.next() })
    }

    @Test func differentSeedsDiffer() {
        let seeds: [UInt64] = [0, 1, 2, 3, 42, 43, 1 << 32, 1 << 63, .max, .max - 1]
        let sequences = seeds.map { Self.draws($0, 16) }
        #expect(Set(sequences).count == seeds.count)
        // Not merely shifted copies of each other: the first draws are all distinct.
        #expect(Set(sequences.map { $0[0] }).count == seeds.count)
        // Nearby seeds share (almost) no values at all.
        let a = Set(Self.draws(1, 1_000)), b = Set(Self.draws(2, 1_000))
        #expect(a.intersection(b).isEmpty)
    }

    @Test func outputIsNotDegenerate() {
        let values = Self.draws(99, 10_000)
        #expect(Set(values).count == values.count)
        // Every bit position is set roughly half of the time.
        for bit in 0..<64 {
            let ones = values.filter { $0 >> UInt64(bit) & 1 == 1 }.count
            #expect((4_500...5_500).contains(ones), "bit \(bit): \(ones)")
        }
    }

    @Test func nextUnitIsInHalfOpenUnitInterval() {
        var random = SeededRandom(seed: 0x5E_0001)
        var sum = 0.0, below = 0, minimum = 1.0, maximum = 0.0
        let count = 20_000
        for _ in 0..<count {
            let value = random.nextUnit()
            #expect(value >= 0 && value < 1)
            sum += value
            if value < 0.25 { below += 1 }
            minimum = Swift.min(minimum, value)
            maximum = Swift.max(maximum, value)
        }
        #expect(abs(sum / Double(count) - 0.5) < 0.02)
        #expect((4_500...5_500).contains(below))
        #expect(minimum < 0.001)
        #expect(maximum > 0.999)
    }

    @Test(arguments: [1, 2, 3, 7, 10, 64, 1_000, 1 << 40, Int.max])
    func nextIntStaysBelowBound(bound: Int) {
        var random = SeededRandom(seed: 0x5E_0002 &+ UInt64(bound))
        for _ in 0..<2_000 {
            let value = random.nextInt(below: bound)
            #expect(value >= 0 && value < bound)
        }
    }

    @Test func nextIntCoversSmallRanges() {
        var random = SeededRandom(seed: 0x5E_0003)
        #expect((0..<100).allSatisfy { _ in random.nextInt(below: 1) == 0 })
        for bound in [2, 3, 7, 10] {
            var counts = [Int](repeating: 0, count: bound)
            for _ in 0..<(1_000 * bound) { counts[random.nextInt(below: bound)] += 1 }
            #expect(counts.allSatisfy { (800...1_200).contains($0) }, "bound \(bound): \(counts)")
        }
    }

    @Test func nextIdentifierKeepsHighWordInRange() {
        var random = SeededRandom(seed: 0x5E_0004)
        var topBitSeen = false
        for _ in 0..<1_000 {
            let id = random.nextIdentifier()
            #expect(id.high <= 0xFFFF_FFFF)
            if id.high >> 31 == 1 { topBitSeen = true }
        }
        #expect(topBitSeen)
        var a = SeededRandom(seed: 5), b = SeededRandom(seed: 5)
        let id = a.nextIdentifier()
        #expect(id == Identifier(high: b.next(), middle: b.next(), low: b.next()))
    }

    @Test func forkIsDeterministic() {
        var a = SeededRandom(seed: 0x5E_0005), b = SeededRandom(seed: 0x5E_0005)
        var forkA = a.fork(), forkB = b.fork()
        #expect((0..<100).map { _ in forkA.next() } == (0..<100).map { _ in forkB.next() })
        // Parents stay in step after forking.
        #expect((0..<100).map { _ in a.next() } == (0..<100).map { _ in b.next() })
    }

    @Test func forkConsumesExactlyOneDrawAndIsSeededByIt() {
        var parent = SeededRandom(seed: 0x5E_0006)
        var reference = SeededRandom(seed: 0x5E_0006)
        var child = parent.fork()
        let seed = reference.next()
        var expectedChild = SeededRandom(seed: seed)
        #expect((0..<50).map { _ in child.next() } == (0..<50).map { _ in expectedChild.next() })
        #expect((0..<50).map { _ in parent.next() } == (0..<50).map { _ in reference.next() })
    }

    @Test func forksDifferFromParentAndFromEachOther() {
        var parent = SeededRandom(seed: 0x5E_0007)
        var first = parent.fork(), second = parent.fork()
        let a = (0..<32).map { _ in first.next() }
        let b = (0..<32).map { _ in second.next() }
        let p = (0..<32).map { _ in parent.next() }
        #expect(a != b)
        #expect(a != p)
        #expect(b != p)
    }

    @Test func forkIsolatesComponents() {
        // Drawing more from one fork does not shift a sibling fork's sequence.
        var parent1 = SeededRandom(seed: 0x5E_0008), parent2 = SeededRandom(seed: 0x5E_0008)
        var busy = parent1.fork(), quiet1 = parent1.fork()
        _ = parent2.fork()
        var quiet2 = parent2.fork()
        _ = (0..<1_000).map { _ in busy.next() }
        #expect((0..<20).map { _ in quiet1.next() } == (0..<20).map { _ in quiet2.next() })
    }

    @Test func worksAsRandomNumberGenerator() {
        var a = SeededRandom(seed: 0x5E_0009), b = SeededRandom(seed: 0x5E_0009)
        #expect(Array(0..<100).shuffled(using: &a) == Array(0..<100).shuffled(using: &b))
        for _ in 0..<1_000 {
            let x = Int.random(in: -5...5, using: &a)
            #expect((-5...5).contains(x))
            #expect(x == Int.random(in: -5...5, using: &b))
            let d = Double.random(in: 0..<1, using: &a)
            #expect(d == Double.random(in: 0..<1, using: &b))
        }
    }
}

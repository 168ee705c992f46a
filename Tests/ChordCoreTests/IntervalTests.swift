import Testing
@testable import ChordCore

/// One membership question and its expected answers for (lower, upper) and (lower, upper].
struct IntervalCase: CustomTestStringConvertible, Sendable {
    let label: String
    let x: Identifier
    let lower: Identifier
    let upper: Identifier
    let open: Bool
    let halfOpen: Bool

    var testDescription: String { label }
}

private let one = Identifier(1)
private func id(_ value: UInt64) -> Identifier { Identifier(value) }
/// `max - value`.
private func top(_ value: UInt64) -> Identifier { Identifier.max.subtracting(Identifier(value)) }

private func cases(_ lower: Identifier, _ upper: Identifier, _ name: String,
                   _ points: [(String, Identifier, Bool, Bool)]) -> [IntervalCase] {
    points.map { IntervalCase(label: "\(name): \($0.0)", x: $0.1, lower: lower, upper: upper, open: $0.2, halfOpen: $0.3) }
}

/// Hand-written cases: every shape of interval, endpoints, and neighbours of the endpoints.
private let handCases: [IntervalCase] =
    // lower < upper: an ordinary interval.
    cases(id(10), id(20), "(10,20)", [
        ("lower", id(10), false, false),
        ("lower+1", id(11), true, true),
        ("middle", id(15), true, true),
        ("upper-1", id(19), true, true),
        ("upper", id(20), false, true),
        ("upper+1", id(21), false, false),
        ("lower-1", id(9), false, false),
        ("zero", .zero, false, false),
        ("max", .max, false, false),
    ])
    // lower > upper: the interval wraps across 0.
    + cases(top(5), id(5), "(max-5,5)", [
        ("lower", top(5), false, false),
        ("lower+1", top(4), true, true),
        ("max", .max, true, true),
        ("zero", .zero, true, true),
        ("1", one, true, true),
        ("upper-1", id(4), true, true),
        ("upper", id(5), false, true),
        ("upper+1", id(6), false, false),
        ("lower-1", top(6), false, false),
        ("half way", Identifier.powerOfTwo(159), false, false),
    ])
    // lower == upper: the one-node ring.
    + cases(id(100), id(100), "(100,100)", [
        ("the node", id(100), false, true),
        ("node+1", id(101), true, true),
        ("node-1", id(99), true, true),
        ("zero", .zero, true, true),
        ("max", .max, true, true),
        ("far", Identifier.powerOfTwo(150), true, true),
    ])
    + cases(.zero, .zero, "(0,0)", [
        ("zero", .zero, false, true),
        ("1", one, true, true),
        ("max", .max, true, true),
    ])
    + cases(.max, .max, "(max,max)", [
        ("max", .max, false, true),
        ("max-1", top(1), true, true),
        ("zero", .zero, true, true),
    ])
    // Adjacent endpoints: the open interval is empty, the half-open one holds only upper.
    + cases(id(7), id(8), "(7,8)", [
        ("lower", id(7), false, false),
        ("upper", id(8), false, true),
        ("upper+1", id(9), false, false),
        ("zero", .zero, false, false),
    ])
    + cases(.max, .zero, "(max,0)", [
        ("max", .max, false, false),
        ("zero", .zero, false, true),
        ("1", one, false, false),
        ("max-1", top(1), false, false),
    ])
    // The whole ring but one step: (upper, lower) the other way round.
    + cases(id(8), id(7), "(8,7)", [
        ("lower", id(8), false, false),
        ("upper", id(7), false, true),
        ("lower+1", id(9), true, true),
        ("zero", .zero, true, true),
        ("max", .max, true, true),
        ("upper-1", id(6), true, true),
    ])
    // Around 0.
    + cases(top(1), one, "(max-1,1)", [
        ("lower", top(1), false, false),
        ("max", .max, true, true),
        ("zero", .zero, true, true),
        ("upper", one, false, true),
        ("2", id(2), false, false),
        ("max-2", top(2), false, false),
    ])
    + cases(.zero, id(3), "(0,3)", [
        ("zero", .zero, false, false),
        ("1", one, true, true),
        ("upper", id(3), false, true),
        ("max", .max, false, false),
    ])
    + cases(top(3), .zero, "(max-3,0)", [
        ("max-2", top(2), true, true),
        ("max", .max, true, true),
        ("zero", .zero, false, true),
        ("1", one, false, false),
        ("lower", top(3), false, false),
    ])
    // Around max.
    + cases(top(3), .max, "(max-3,max)", [
        ("lower", top(3), false, false),
        ("max-2", top(2), true, true),
        ("max-1", top(1), true, true),
        ("max", .max, false, true),
        ("zero", .zero, false, false),
        ("1", one, false, false),
    ])
    + cases(.max, id(3), "(max,3)", [
        ("max", .max, false, false),
        ("zero", .zero, true, true),
        ("2", id(2), true, true),
        ("upper", id(3), false, true),
        ("max-1", top(1), false, false),
    ])
    // The widest non-degenerate intervals.
    + cases(.zero, .max, "(0,max)", [
        ("zero", .zero, false, false),
        ("1", one, true, true),
        ("max-1", top(1), true, true),
        ("max", .max, false, true),
    ])
    + cases(.max, top(1), "(max,max-1)", [
        ("max", .max, false, false),
        ("zero", .zero, true, true),
        ("max-2", top(2), true, true),
        ("max-1", top(1), false, true),
    ])
    // Endpoints that differ only in the upper words, so ordering must look past the low word.
    + cases(Identifier(high: 0, middle: 0, low: .max), Identifier(high: 0, middle: 1, low: 0), "(2^64-1,2^64)", [
        ("lower", Identifier(high: 0, middle: 0, low: .max), false, false),
        ("upper", Identifier(high: 0, middle: 1, low: 0), false, true),
        ("upper+1", Identifier(high: 0, middle: 1, low: 1), false, false),
        ("zero", .zero, false, false),
    ])
    + cases(Identifier(high: 5, middle: 1, low: 5), Identifier(high: 5, middle: 2, low: 3), "(5:1:5,5:2:3)", [
        ("middle word between", Identifier(high: 5, middle: 1, low: .max), true, true),
        ("low word below lower's", Identifier(high: 5, middle: 1, low: 4), false, false),
        ("upper middle, small low", Identifier(high: 5, middle: 2, low: 0), true, true),
        ("upper", Identifier(high: 5, middle: 2, low: 3), false, true),
        ("upper middle, big low", Identifier(high: 5, middle: 2, low: 4), false, false),
        ("other high word", Identifier(high: 4, middle: 1, low: 9), false, false),
    ])
    + cases(Identifier(high: 9, middle: 0, low: 0), Identifier(high: 2, middle: .max, low: .max), "(9:0:0,2:max:max) wraps", [
        ("lower", Identifier(high: 9, middle: 0, low: 0), false, false),
        ("lower+1", Identifier(high: 9, middle: 0, low: 1), true, true),
        ("upper", Identifier(high: 2, middle: .max, low: .max), false, true),
        ("upper+1", Identifier(high: 3, middle: 0, low: 0), false, false),
        ("lower-1", Identifier(high: 8, middle: .max, low: .max), false, false),
        ("zero", .zero, true, true),
        ("max", .max, true, true),
    ])

/// Reference membership: for lower != upper, x is in (lower, upper] iff
/// 0 < dist(lower, x) <= dist(lower, upper), and in (lower, upper) iff the second `<=` is `<`.
private func reference(_ x: Identifier, _ lower: Identifier, _ upper: Identifier) -> (open: Bool, halfOpen: Bool) {
    if lower == upper { return (x != lower, true) }
    let toX = lower.distance(to: x), toUpper = lower.distance(to: upper)
    return (.zero < toX && toX < toUpper, .zero < toX && toX <= toUpper)
}

@Suite("Identifier: ring intervals")
struct IntervalTests {
    @Test(arguments: handCases)
    func handWrittenCase(_ item: IntervalCase) {
        #expect(item.x.isInOpenInterval(item.lower, item.upper) == item.open)
        #expect(item.x.isInHalfOpenInterval(item.lower, item.upper) == item.halfOpen)
        // The hand-written answers agree with the reference model too.
        let model = reference(item.x, item.lower, item.upper)
        #expect(model.open == item.open)
        #expect(model.halfOpen == item.halfOpen)
    }

    @Test func endpointsForEveryShape() {
        var random = SeededRandom(seed: 0x17_0001)
        for _ in 0..<500 {
            let a = random.nextIdentifier(), b = random.nextIdentifier()
            guard a != b else { continue }
            for (lower, upper) in [(a, b), (b, a)] {
                #expect(!lower.isInOpenInterval(lower, upper))
                #expect(!upper.isInOpenInterval(lower, upper))
                #expect(!lower.isInHalfOpenInterval(lower, upper))
                #expect(upper.isInHalfOpenInterval(lower, upper))
                #expect(lower.adding(one).isInHalfOpenInterval(lower, upper))
                #expect(!upper.adding(one).isInHalfOpenInterval(lower, upper))
            }
            // One-node ring.
            #expect(!a.isInOpenInterval(a, a))
            #expect(a.isInHalfOpenInterval(a, a))
            #expect(b.isInOpenInterval(a, a))
            #expect(b.isInHalfOpenInterval(a, a))
        }
    }

    @Test func complementaryIntervalsPartitionTheRing() {
        // For a != b, every x is in exactly one of (a, b] and (b, a].
        var random = SeededRandom(seed: 0x17_0002)
        for _ in 0..<2_000 {
            let a = random.nextIdentifier()
            let b = near(a, &random)
            let x = pick(a, b, &random)
            guard a != b else { continue }
            #expect(x.isInHalfOpenInterval(a, b) != x.isInHalfOpenInterval(b, a))
            // (a, b) is (a, b] without b.
            #expect(x.isInOpenInterval(a, b) == (x.isInHalfOpenInterval(a, b) && x != b))
        }
    }

    /// Exhaustive check over a 4-bit ring embedded into the 160-bit ring by an order-preserving
    /// map: membership depends only on the order of (x, lower, upper), so it must agree with
    /// plain modular arithmetic on 0..<16. Shift 156 fills the top bits (so the embedding also
    /// preserves modular distances); 126 and 62 straddle the word boundaries; 0 uses the low word.
    @Test(arguments: [156, 126, 62, 0])
    func exhaustiveSmallRing(shift: Int) {
        let size = 16
        func embed(_ value: Int) -> Identifier {
            var result = Identifier.zero
            for bit in 0..<4 where value & (1 << bit) != 0 {
                result = result.adding(.powerOfTwo(shift + bit))
            }
            return result
        }
        let points = (0..<size).map(embed)
        #expect(points == points.sorted())
        #expect(Set(points).count == size)
        for a in 0..<size {
            for b in 0..<size {
                for x in 0..<size {
                    let dx = (x - a + size) % size, db = (b - a + size) % size
                    let open = a == b ? x != a : 0 < dx && dx < db
                    let halfOpen = a == b ? true : 0 < dx && dx <= db
                    #expect(points[x].isInOpenInterval(points[a], points[b]) == open, "x=\(x) (\(a),\(b)) shift \(shift)")
                    #expect(points[x].isInHalfOpenInterval(points[a], points[b]) == halfOpen, "x=\(x) (\(a),\(b)] shift \(shift)")
                }
            }
        }
    }

    @Test func randomizedAgainstDistanceReference() {
        var random = SeededRandom(seed: 0x17_0003)
        var counts = (open: 0, halfOpen: 0, wrapping: 0, degenerate: 0)
        for _ in 0..<5_000 {
            let lower = random.nextIdentifier()
            let upper: Identifier = random.nextInt(below: 10) == 0 ? lower : near(lower, &random)
            let x = pick(lower, upper, &random)
            let model = reference(x, lower, upper)
            #expect(x.isInOpenInterval(lower, upper) == model.open, "\(x) in (\(lower), \(upper))")
            #expect(x.isInHalfOpenInterval(lower, upper) == model.halfOpen, "\(x) in (\(lower), \(upper)]")
            if model.open { counts.open += 1 }
            if model.halfOpen { counts.halfOpen += 1 }
            if upper < lower { counts.wrapping += 1 }
            if upper == lower { counts.degenerate += 1 }
        }
        // The generator really exercised both answers and every interval shape.
        #expect(counts.open > 500 && counts.open < 4_500)
        #expect(counts.halfOpen > counts.open)
        #expect(counts.wrapping > 500)
        #expect(counts.degenerate > 100)
    }

    @Test func membershipIsInvariantUnderRotation() {
        // Adding the same offset to x and both endpoints turns the ring but keeps membership.
        var random = SeededRandom(seed: 0x17_0004)
        for _ in 0..<3_000 {
            let lower = random.nextIdentifier()
            let upper = random.nextInt(below: 10) == 0 ? lower : near(lower, &random)
            let x = pick(lower, upper, &random)
            // Rotating by -lower puts lower at 0, and by -lower-1 makes the interval wrap.
            let offsets = [random.nextIdentifier(), Identifier.zero.subtracting(lower),
                           Identifier.max.subtracting(lower), Identifier.max.subtracting(upper)]
            for offset in offsets {
                let (rx, rl, ru) = (x.adding(offset), lower.adding(offset), upper.adding(offset))
                #expect(rx.isInOpenInterval(rl, ru) == x.isInOpenInterval(lower, upper))
                #expect(rx.isInHalfOpenInterval(rl, ru) == x.isInHalfOpenInterval(lower, upper))
            }
        }
    }
}

/// An identifier that is often close to `base` (sharing its high or middle word, or a few
/// steps away) and otherwise random.
private func near(_ base: Identifier, _ random: inout SeededRandom) -> Identifier {
    switch random.nextInt(below: 5) {
    case 0: return random.nextIdentifier()
    case 1: return Identifier(high: base.high, middle: random.next(), low: random.next())
    case 2: return Identifier(high: base.high, middle: base.middle, low: random.next())
    case 3: return base.adding(Identifier(UInt64(random.nextInt(below: 5))))
    default: return base.subtracting(Identifier(UInt64(random.nextInt(below: 5))))
    }
}

/// A probe point: often an endpoint or a neighbour of one, otherwise near either endpoint.
private func pick(_ lower: Identifier, _ upper: Identifier, _ random: inout SeededRandom) -> Identifier {
    switch random.nextInt(below: 10) {
    case 0: return lower
    case 1: return upper
    case 2: return lower.adding(one)
    case 3: return lower.subtracting(one)
    case 4: return upper.adding(one)
    case 5: return upper.subtracting(one)
    case 6: return near(upper, &random)
    case 7: return random.nextIdentifier()
    default: return near(lower, &random)
    }
}

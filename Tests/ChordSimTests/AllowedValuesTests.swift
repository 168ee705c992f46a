import ChordCore
import Testing
import ToolSupport

/// The workload bookkeeping the simulator's store scenario and chord-churn share.
@Suite("Allowed values")
struct AllowedValuesTests {
    private let v1 = Array("v1-0".utf8), v2 = Array("v2-0".utf8)

    @Test("A key never written may hold only nothing")
    func unwritten() {
        let values = AllowedValues(count: 2)
        #expect(values.allows(nil, for: 1))
        #expect(!values.allows(v1, for: 1))
        #expect(values.allowedText(1) == "[none]")
    }

    @Test("An acknowledged put or remove leaves exactly that")
    func acknowledgedWrites() {
        var values = AllowedValues(count: 1)
        values.claim(0)
        #expect(values.isBusy(0))
        #expect(values.settle(0, .put(v1), answer: .some(nil)) == .ok)
        #expect(!values.isBusy(0))
        #expect(values.values(of: 0) == [v1])
        #expect(values.settle(0, .remove, answer: .some(nil)) == .ok)
        #expect(values.values(of: 0) == [nil])
    }

    @Test("A put or remove that failed may or may not have happened")
    func unconfirmedWrites() {
        var values = AllowedValues(count: 1)
        #expect(values.settle(0, .put(v1), answer: .none) == .failed)
        #expect(values.values(of: 0) == [nil, v1])
        #expect(values.settle(0, .put(v1), answer: .none) == .failed)
        #expect(values.values(of: 0) == [nil, v1], "each value at most once")
        #expect(values.settle(0, .put(v2), answer: .some(nil)) == .ok)
        #expect(values.settle(0, .remove, answer: .none) == .failed)
        #expect(values.allowedText(0) == "[v2-0, none]")
    }

    @Test("A read of an allowed value is right, of any other wrong; a failed read changes nothing")
    func reads() {
        var values = AllowedValues(count: 1)
        _ = values.settle(0, .put(v1), answer: .some(nil))
        #expect(values.settle(0, .get, answer: .some(v1)) == .ok)
        #expect(values.settle(0, .get, answer: .some(nil)) == .wrongRead)
        #expect(values.settle(0, .get, answer: .some(v2)) == .wrongRead)
        #expect(values.settle(0, .get, answer: .none) == .failed)
        #expect(values.values(of: 0) == [v1])
    }

    @Test("Fresh values are numbered across keys; random operations are 50% puts, 40% gets, 10% removes")
    func operations() {
        var values = AllowedValues(count: 10)
        #expect(values.freshValue(for: 3) == Array("v1-3".utf8))
        #expect(values.freshValue(for: 7) == Array("v2-7".utf8))
        var random = SeededRandom(seed: 5)
        var puts = 0, gets = 0, removes = 0
        for _ in 0..<10_000 {
            switch values.randomOperation(for: 0, using: &random) {
            case .put: puts += 1
            case .get: gets += 1
            case .remove: removes += 1
            }
        }
        #expect((4_700...5_300).contains(puts) && (3_700...4_300).contains(gets) && (800...1_200).contains(removes),
                "\(puts) puts, \(gets) gets, \(removes) removes")
        #expect(AllowedValues.name(12) == "k12")
    }

    @Test("Percentiles: nearest rank, clamped, zero without samples")
    func percentiles() {
        #expect(percentile([Int](), 0.5) == 0)
        #expect(percentile([1, 2, 3, 4, 5], 0.5) == 3)
        #expect(percentile([1, 2, 3, 4, 5], 0.99) == 5)
        #expect(percentile([1, 2, 3, 4, 5], 0) == 1)
        #expect(percentile([1.5, 2.5], 0.5) == 2.5)
        #expect(percentile([Int64(7)], 2) == 7)
    }
}

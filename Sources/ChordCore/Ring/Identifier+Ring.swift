/// Ring arithmetic on identifiers: everything is modulo 2^160.
extension Identifier {
    /// `self + other` modulo 2^160.
    @inlinable
    public func adding(_ other: Identifier) -> Identifier {
        let (low, carryLow) = low.addingReportingOverflow(other.low)
        let (middle1, carryMiddle1) = middle.addingReportingOverflow(other.middle)
        let (middle, carryMiddle2) = middle1.addingReportingOverflow(carryLow ? 1 : 0)
        let high = high &+ other.high &+ ((carryMiddle1 || carryMiddle2) ? 1 : 0)
        return Identifier(high: high, middle: middle, low: low)
    }

    /// `self − other` modulo 2^160: the clockwise distance from `other` to `self`.
    @inlinable
    public func subtracting(_ other: Identifier) -> Identifier {
        let (low, borrowLow) = low.subtractingReportingOverflow(other.low)
        let (middle1, borrowMiddle1) = middle.subtractingReportingOverflow(other.middle)
        let (middle, borrowMiddle2) = middle1.subtractingReportingOverflow(borrowLow ? 1 : 0)
        let high = high &- other.high &- ((borrowMiddle1 || borrowMiddle2) ? 1 : 0)
        return Identifier(high: high, middle: middle, low: low)
    }

    /// 2^exponent, for exponent in 0..<160.
    public static func powerOfTwo(_ exponent: Int) -> Identifier {
        precondition((0..<bitWidth).contains(exponent), "exponent \(exponent) outside 0..<160")
        switch exponent {
        case 0..<64: return Identifier(high: 0, middle: 0, low: 1 << UInt64(exponent))
        case 64..<128: return Identifier(high: 0, middle: 1 << UInt64(exponent - 64), low: 0)
        default: return Identifier(high: 1 << UInt64(exponent - 128), middle: 0, low: 0)
        }
    }

    /// The start of finger `index`: `self + 2^index` modulo 2^160.
    public func fingerStart(_ index: Int) -> Identifier {
        adding(.powerOfTwo(index))
    }

    /// The identifier halfway from this one clockwise to `other` (rounded down).
    public func midpoint(to other: Identifier) -> Identifier {
        let span = distance(to: other)
        return adding(Identifier(high: span.high >> 1, middle: span.middle >> 1 | span.high << 63,
                                 low: span.low >> 1 | span.middle << 63))
    }

    /// The clockwise distance from `self` to `other`: `other − self` modulo 2^160.
    @inlinable
    public func distance(to other: Identifier) -> Identifier {
        other.subtracting(self)
    }

    /// Whether `self` lies in the open ring interval (lower, upper), walking clockwise from
    /// `lower`. When `lower == upper` the interval is the whole ring except that point, which
    /// is what a one-node ring needs: (n, n) holds every identifier but n.
    @inlinable
    public func isInOpenInterval(_ lower: Identifier, _ upper: Identifier) -> Bool {
        if lower < upper { return lower < self && self < upper }
        if upper < lower { return lower < self || self < upper }
        return self != lower
    }

    /// Whether `self` lies in the half-open ring interval (lower, upper], walking clockwise
    /// from `lower`. When `lower == upper` the interval is the whole ring: in a one-node ring,
    /// (n, n] holds every identifier, so the node owns every key.
    @inlinable
    public func isInHalfOpenInterval(_ lower: Identifier, _ upper: Identifier) -> Bool {
        if lower < upper { return lower < self && self <= upper }
        if upper < lower { return lower < self || self <= upper }
        return true
    }

    /// log2 of the clockwise distance, i.e. the index of the highest set bit, or nil for 0.
    /// Used to find which finger a distance falls under.
    public var highestSetBit: Int? {
        if high != 0 { return 128 + 63 - high.leadingZeroBitCount }
        if middle != 0 { return 64 + 63 - middle.leadingZeroBitCount }
        if low != 0 { return 63 - low.leadingZeroBitCount }
        return nil
    }
}

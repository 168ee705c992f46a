/// The value at `fraction` (0...1) of `sorted`, an ascending sample: the element of rank
/// round(fraction × (n − 1)), so 0.5 is the median and 1 the largest; zero when empty.
public func percentile<T: AdditiveArithmetic>(_ sorted: [T], _ fraction: Double) -> T {
    guard !sorted.isEmpty else { return .zero }
    let rank = Int((fraction * Double(sorted.count - 1)).rounded())
    return sorted[min(max(rank, 0), sorted.count - 1)]
}

/// A duration in seconds.
public func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

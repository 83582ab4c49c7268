/// Median-based statistics: one slow link must not move the baseline it is judged
/// against, which a mean and standard deviation would.
enum RobustStatistics {
    /// The median of `values`; nil when empty.
    static func median(_ values: [Double]) -> Double? {
        if values.isEmpty { return nil }
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count.isMultiple(of: 2) ? (sorted[mid - 1] + sorted[mid]) / 2 : sorted[mid]
    }

    /// The median absolute deviation from `median`.
    static func mad(_ values: [Double], median: Double) -> Double? {
        Self.median(values.map { abs($0 - median) })
    }

    /// The scale that turns a deviation into a robust z-score: 1.4826 × MAD, which
    /// estimates the standard deviation for normal data.
    ///
    /// When more than half of the values are equal, the MAD is 0 and every deviation
    /// would be infinitely many "sigmas" away; then, as Iglewicz and Hoaglin suggest,
    /// 1.253314 × the mean absolute deviation stands in. When that is 0 too, every value
    /// is the median and the scale is nil: no z-score is meaningful.
    static func scale(_ values: [Double], median: Double) -> Double? {
        guard let mad = mad(values, median: median) else { return nil }
        if mad > 0 { return 1.4826 * mad }
        let meanDeviation = values.reduce(0) { $0 + abs($1 - median) } / Double(values.count)
        return meanDeviation > 0 ? 1.253314 * meanDeviation : nil
    }
}

import Histogram

/// Mean, sample standard deviation and a confidence interval of repeated measurements
/// (`--repeat N`): the interval is Student's t at 95 % two-sided.
public struct Summary: Sendable, Equatable {
    public let count: Int
    public let mean: Double
    public let stddev: Double
    public let min: Double
    public let max: Double
    /// Half-width of the 95 % confidence interval of the mean (0 for one sample).
    public let confidenceHalfWidth: Double

    public init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        count = values.count
        let m = values.reduce(0, +) / Double(values.count)
        mean = m
        if values.count > 1 {
            let ss = values.reduce(0) { $0 + ($1 - m) * ($1 - m) }
            let sd = (ss / Double(values.count - 1)).squareRoot()
            stddev = sd
            confidenceHalfWidth = Summary.t95(degreesOfFreedom: values.count - 1) * sd
                / Double(values.count).squareRoot()
        } else {
            stddev = 0
            confidenceHalfWidth = 0
        }
        min = values.min()!
        max = values.max()!
    }

    /// Two-sided 95 % critical values of Student's t (df 1…30, then the normal value).
    static func t95(degreesOfFreedom df: Int) -> Double {
        let table: [Double] = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                               2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                               2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]
        if df >= 1 && df <= table.count { return table[df - 1] }
        return df > 120 ? 1.960 : (df > 60 ? 1.980 : 2.000)
    }
}

/// Round-trip latency histogram in nanoseconds: fixed range (1 ns … 100 s), so `record` in a hot
/// loop never allocates; one per thread, merged after join.
public struct LatencyHistogram: Sendable {
    public private(set) var histogram: Histogram<UInt64>
    /// Samples beyond the trackable range (counted, clamped to the maximum).
    public private(set) var outOfRange: UInt64 = 0

    public init() {
        histogram = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 100_000_000_000,
                                      numberOfSignificantValueDigits: .three)
    }

    @inline(__always)
    public mutating func record(nanos: UInt64) {
        if !histogram.record(nanos) {
            outOfRange &+= 1
            _ = histogram.record(histogram.highestTrackableValue)
        }
    }

    public mutating func merge(_ other: LatencyHistogram) {
        histogram.add(other.histogram)
        outOfRange &+= other.outOfRange
    }

    /// The threads' histograms as one.
    public init(merging parts: some Sequence<LatencyHistogram>) {
        self.init()
        for h in parts { merge(h) }
    }

    public var count: UInt64 { histogram.totalCount }

    /// Forgets every sample (keeps the storage: no allocation).
    public mutating func reset() {
        histogram.reset()
        outOfRange = 0
    }

    /// min/mean/p50/p90/p99/p99.9/max/stddev, all round-trip, in ns.
    public var metrics: [Metric] {
        guard count > 0 else { return [] }
        let h = histogram
        return [
            Metric("latency_min", Double(h.min), .nanoseconds),
            Metric("latency_mean", h.mean, .nanoseconds),
            Metric("latency_p50", Double(h.valueAtPercentile(50)), .nanoseconds),
            Metric("latency_p90", Double(h.valueAtPercentile(90)), .nanoseconds),
            Metric("latency_p99", Double(h.valueAtPercentile(99)), .nanoseconds),
            Metric("latency_p99_9", Double(h.valueAtPercentile(99.9)), .nanoseconds),
            Metric("latency_max", Double(h.max), .nanoseconds),
            Metric("latency_stddev", h.stdDeviation, .nanoseconds),
        ]
    }
}

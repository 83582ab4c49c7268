/// Pass/fail limits (`--expect-min 9Gbit`, `--expect-max-latency 50us`): a result that misses
/// one becomes `fail` with a reason naming the limit; one that already failed stays failed.
public struct Thresholds: Sendable, Equatable {
    /// Least acceptable throughput, bit/s.
    public var minThroughput: Double?
    /// Greatest acceptable p99 round-trip latency, ns.
    public var maxLatencyP99: Double?
    /// Greatest acceptable datagram loss, percent (udp).
    public var maxLossPercent: Double?

    public init(minThroughput: Double? = nil, maxLatencyP99: Double? = nil, maxLossPercent: Double? = nil) {
        self.minThroughput = minThroughput
        self.maxLatencyP99 = maxLatencyP99
        self.maxLossPercent = maxLossPercent
    }

    public var isEmpty: Bool { minThroughput == nil && maxLatencyP99 == nil && maxLossPercent == nil }

    public func apply(to result: BenchResult) -> BenchResult {
        guard result.status == .success else { return result }
        var r = result
        if let min = minThroughput, let t = r.metric("throughput"), t.value < min {
            r.status = .fail
            r.reason = "throughput \(Units.formatRate(t.value)) below --expect-min \(Units.formatRate(min))"
        } else if let max = maxLatencyP99, let l = r.metric("latency_p99"), l.value > max {
            r.status = .fail
            r.reason = "p99 round-trip latency \(Units.formatNanos(l.value)) above --expect-max-latency \(Units.formatNanos(max))"
        } else if let max = maxLossPercent, let l = r.metric("loss"), l.value > max {
            r.status = .fail
            r.reason = "datagram loss \(Units.fixed(l.value, 2)) % above --expect-max-loss \(Units.fixed(max, 2)) %"
        }
        return r
    }
}

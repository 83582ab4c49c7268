/// When a directed link counts as slow. Links are judged against the other links of
/// the same run (a fabric has no fixed "good" figure: it depends on HCA, cable, MTU,
/// CPU), plus an absolute floor when the admin knows one.
public struct OutlierRules: Sendable, Equatable, Codable {
    /// `--min-ratio`: flag bandwidth below this fraction of the median.
    public var minRatio: Double
    /// Flag a robust z-score at or below this.
    public var zLimit: Double
    /// `--expect-min`: flag bandwidth below this, bit/s.
    public var expectMinBitsPerSecond: Double?
    /// Flag latency above this multiple of the median latency.
    public var latencyFactor: Double

    public init(
        minRatio: Double = 0.9, zLimit: Double = -3.5, expectMinBitsPerSecond: Double? = nil,
        latencyFactor: Double = 2
    ) {
        self.minRatio = minRatio
        self.zLimit = zLimit
        self.expectMinBitsPerSecond = expectMinBitsPerSecond
        self.latencyFactor = latencyFactor
    }

    enum CodingKeys: String, CodingKey {
        case minRatio = "min_ratio", zLimit = "z_limit", latencyFactor = "latency_factor"
        case expectMinBitsPerSecond = "expect_min_bps"
    }
}

/// The figures every link is judged against, taken from the mesh phase only: the few
/// retests are too few to make a baseline of their own.
///
/// A node slow in both directions owns 2/N of the directed links; in a mesh of 3 that is
/// most of them, and the slow figure becomes the median. Below 5 nodes, give an
/// absolute `--expect-min` as well. (A node slow in one direction, as a `tc` limit on
/// its egress makes it, owns 1/N and is found from 3 nodes up.)
public struct Baseline: Sendable, Equatable, Codable {
    public var medianBandwidthBitsPerSecond: Double?
    /// Robust standard-deviation estimate of bandwidth (see `RobustStatistics.scale`);
    /// nil when all bandwidths are equal.
    public var bandwidthScale: Double?
    public var medianLatencyNanoseconds: Double?

    public init(medianBandwidthBitsPerSecond: Double?, bandwidthScale: Double?, medianLatencyNanoseconds: Double?) {
        self.medianBandwidthBitsPerSecond = medianBandwidthBitsPerSecond
        self.bandwidthScale = bandwidthScale
        self.medianLatencyNanoseconds = medianLatencyNanoseconds
    }

    /// From the links that passed: a failed test has no bandwidth to speak of.
    public init(_ results: some Sequence<LinkResult>) {
        let bandwidths = results.compactMap(\.usableBandwidth)
        let latencies = results.compactMap(\.usableLatency)
        let median = RobustStatistics.median(bandwidths)
        medianBandwidthBitsPerSecond = median
        bandwidthScale = median.flatMap { RobustStatistics.scale(bandwidths, median: $0) }
        medianLatencyNanoseconds = RobustStatistics.median(latencies)
    }

    enum CodingKeys: String, CodingKey {
        case medianBandwidthBitsPerSecond = "median_bandwidth_bps"
        case bandwidthScale = "bandwidth_scale_bps"
        case medianLatencyNanoseconds = "median_latency_ns"
    }
}

/// One reason a link was flagged.
public enum Flag: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The test itself failed.
    case failed(String?)
    /// Bandwidth / median bandwidth, below `minRatio`.
    case belowMedianRatio(Double)
    /// Robust z-score of the bandwidth, at or below `zLimit`.
    case robustZ(Double)
    /// Bandwidth below `expectMinBitsPerSecond`.
    case belowExpectMin(Double)
    /// Latency / median latency, above `latencyFactor`.
    case slowLatency(Double)

    /// Stable name for machine output.
    public var rule: String {
        switch self {
        case .failed: "failed"
        case .belowMedianRatio: "min_ratio"
        case .robustZ: "robust_z"
        case .belowExpectMin: "expect_min"
        case .slowLatency: "latency"
        }
    }

    public var description: String {
        switch self {
        case .failed(let reason): "test failed" + (reason.map { ": \($0)" } ?? "")
        case .belowMedianRatio(let r): "bandwidth \(percent(r)) of the median"
        case .robustZ(let z): "robust z-score \(rounded(z, places: 1))"
        case .belowExpectMin(let bps): "bandwidth \(gbits(bps)) below --expect-min"
        case .slowLatency(let r): "latency \(rounded(r, places: 1))x the median"
        }
    }
}

extension OutlierRules {
    /// The reasons `result` is slow against `baseline`; empty when it passed.
    public func flags(_ result: LinkResult, baseline: Baseline) -> [Flag] {
        if result.status == .failed { return [.failed(result.reason)] }
        var flags: [Flag] = []
        if let bw = result.bandwidthBitsPerSecond {
            if let median = baseline.medianBandwidthBitsPerSecond, median > 0, bw < minRatio * median {
                flags.append(.belowMedianRatio(bw / median))
            }
            if let median = baseline.medianBandwidthBitsPerSecond, let scale = baseline.bandwidthScale {
                let z = (bw - median) / scale
                if z <= zLimit { flags.append(.robustZ(z)) }
            }
            if let floor = expectMinBitsPerSecond, bw < floor { flags.append(.belowExpectMin(bw)) }
        }
        if let latency = result.latencyNanoseconds, let median = baseline.medianLatencyNanoseconds, median > 0,
           latency > latencyFactor * median {
            flags.append(.slowLatency(latency / median))
        }
        return flags
    }
}

func rounded(_ x: Double, places: Int) -> String {
    var scale = 1.0
    for _ in 0..<places { scale *= 10 }
    let r = (x * scale).rounded() / scale
    return places == 0 ? String(Int(r)) : String(r)
}

func percent(_ ratio: Double) -> String { rounded(ratio * 100, places: 0) + " %" }

func gbits(_ bps: Double) -> String { rounded(bps / 1e9, places: 2) + " Gbit/s" }

import ArgumentParser
import BenchCore

/// `--expect-min`: the throughput a test must reach (mesh: every link), else it fails (exit 1).
struct ExpectMinOption: ParsableArguments {
    @Option(help: "Fail unless throughput reaches this rate (mesh: on every link), e.g. 9Gbit (decimal: 10^9 bit/s).",
            transform: Rate.parse)
    var expectMin: Rate?
}

/// `--expect-min` and `--expect-max-latency`: the limits that turn a result into a failure (exit 1).
struct ThresholdOptions: ParsableArguments {
    @OptionGroup var minimum: ExpectMinOption

    @Option(help: "Fail if the p99 round-trip latency exceeds this, e.g. 50us or 1.5ms.", transform: Latency.parse)
    var expectMaxLatency: Latency?

    var thresholds: Thresholds {
        Thresholds(minThroughput: minimum.expectMin?.bitsPerSecond, maxLatencyP99: expectMaxLatency?.nanoseconds)
    }

    /// Refuses a limit that `test` does not measure: it would pass whatever happened.
    /// Bulk tests report throughput; round-trip tests (rr, crr, rdma lat) report latency.
    /// `latencyMode` names the mode that measures round trips, for the advice.
    func checkApplies(to test: String, roundTrips: Bool, latencyMode: String = "rr") throws {
        if minimum.expectMin != nil, roundTrips {
            throw ValidationError("--expect-min: \(test) measures round trips, not throughput; use --expect-max-latency")
        }
        if expectMaxLatency != nil, !roundTrips {
            throw ValidationError("--expect-max-latency: \(test) measures throughput, not round trips; use --expect-min, or \(latencyMode)")
        }
    }
}

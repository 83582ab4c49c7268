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
}

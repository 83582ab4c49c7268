import ArgumentParser
import BenchCore

/// `--expect-min` and `--expect-max-latency`: the limits that turn a result into a failure (exit 1).
struct ThresholdOptions: ParsableArguments {
    @Option(help: "Fail unless throughput reaches this rate, e.g. 9Gbit (decimal: 10^9 bit/s).", transform: Rate.parse)
    var expectMin: Rate?

    @Option(help: "Fail if the p99 round-trip latency exceeds this, e.g. 50us or 1.5ms.", transform: Latency.parse)
    var expectMaxLatency: Latency?

    var thresholds: Thresholds {
        Thresholds(minThroughput: expectMin?.bitsPerSecond, maxLatencyP99: expectMaxLatency?.nanoseconds)
    }
}

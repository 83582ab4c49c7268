import Testing
@testable import BenchCore

@Suite struct UnitsTests {
    /// A setting keeps the value given: `-t 0.04` is not shown as 0.0.
    @Test(arguments: [(10.0, "10.0"), (0.04, "0.04"), (0.05, "0.05"), (1.25, "1.25"), (2.5, "2.5"), (0.0004, "0.000"), (1.0 / 3, "0.333")])
    func settingSecondsKeepTheValueGiven(value: Double, shown: String) {
        #expect(Units.settingSeconds(value) == shown)
    }

    @Test(arguments: [("65536", 65536), ("64K", 65536), ("64KiB", 65536), ("1M", 1 << 20), ("2G", 2 << 30), ("1", 1)])
    func bytesUseBinaryPrefixes(text: String, bytes: UInt64) {
        #expect(Units.parseBytes(text) == bytes)
    }

    @Test(arguments: ["", "K", "12X", "-1", "1.5K", "99999999999999999999G"])
    func malformedBytesAreRejected(text: String) {
        #expect(Units.parseBytes(text) == nil)
    }

    @Test(arguments: [("9Gbit", 9e9), ("9G", 9e9), ("9Gbit/s", 9e9), ("900Mbit", 9e8), ("1e9", 1e9), ("2.5Gbps", 2.5e9)])
    func ratesUseDecimalPrefixes(text: String, rate: Double) {
        #expect(Units.parseRate(text) == rate)
    }

    @Test(arguments: [("50us", 50_000.0), ("50µs", 50_000.0), ("1.5ms", 1_500_000.0), ("2s", 2e9), ("800ns", 800.0), ("3", 3e9)])
    func durationsBecomeNanoseconds(text: String, ns: Double) {
        #expect(Units.parseDuration(text) == ns)
    }

    @Test func formattingScalesAndNamesUnits() {
        #expect(Units.formatRate(9.4123e9) == "9.41 Gbit/s")
        #expect(Units.formatRate(812.34e6) == "812.3 Mbit/s")
        #expect(Units.formatBytes(65536) == "64 KiB")
        #expect(Units.formatBytes(1.5 * 1024 * 1024 * 1024) == "1.50 GiB")
        #expect(Units.formatNanos(10_400) == "10.4 µs")
        #expect(Units.formatNanos(812) == "812 ns")
        #expect(Units.fixed(-0.004, 2) == "0.00")
        #expect(Units.fixed(1.005, 1) == "1.0")
    }
}

@Suite struct StatisticsTests {
    @Test func summaryOfKnownSample() throws {
        let s = try #require(Summary([2, 4, 4, 4, 5, 5, 7, 9]))
        #expect(s.mean == 5)
        #expect(abs(s.stddev - 2.138) < 0.001)          // sample (n−1) standard deviation
        #expect(abs(s.confidenceHalfWidth - 2.365 * s.stddev / 8.0.squareRoot()) < 1e-9)
        #expect(s.min == 2 && s.max == 9)
    }

    @Test func oneSampleHasNoInterval() throws {
        let s = try #require(Summary([3]))
        #expect(s.stddev == 0 && s.confidenceHalfWidth == 0)
        #expect(Summary([]) == nil)
    }

    @Test func latencyHistogramPercentiles() {
        var h = LatencyHistogram()
        for v in 1...1000 { h.record(nanos: UInt64(v) * 1000) }   // 1 µs … 1 ms
        let m = Dictionary(uniqueKeysWithValues: h.metrics.map { ($0.name, $0.value) })
        #expect(h.count == 1000)
        #expect(abs(m["latency_p50"]! - 500_000) / 500_000 < 0.01)
        #expect(abs(m["latency_p99"]! - 990_000) / 990_000 < 0.01)
        #expect(abs(m["latency_min"]! - 1000) < 2)
        #expect(abs(m["latency_max"]! - 1_000_000) / 1_000_000 < 0.01)
        #expect(h.metrics.allSatisfy { $0.unit == .nanoseconds })
        var other = LatencyHistogram()
        other.record(nanos: 5)
        h.merge(other)
        #expect(h.count == 1001)
        h.reset()
        #expect(h.count == 0 && h.metrics.isEmpty)
    }
}

@Suite struct ThresholdTests {
    let result = BenchResult(test: "t", tool: "ibbench", transport: .tcp,
                             metrics: [Metric("throughput", 8e9, .bitsPerSecond), Metric("latency_p99", 60_000, .nanoseconds)])

    @Test func belowMinimumFails() {
        let r = Thresholds(minThroughput: 9e9).apply(to: result)
        #expect(r.status == .fail)
        #expect(r.reason == "throughput 8.00 Gbit/s below --expect-min 9.00 Gbit/s")
        #expect(Thresholds(minThroughput: 7e9).apply(to: result).status == .success)
    }

    @Test func aboveMaxLatencyFails() {
        let r = Thresholds(maxLatencyP99: 50_000).apply(to: result)
        #expect(r.status == .fail)
        #expect(r.reason?.contains("above --expect-max-latency 50.0 µs") == true)
        #expect(Thresholds(maxLatencyP99: 70_000).apply(to: result).status == .success)
    }

    @Test func anErrorStaysAnError() {
        var broken = result
        broken.status = .error
        #expect(Thresholds(minThroughput: 9e9).apply(to: broken).status == .error)
    }
}

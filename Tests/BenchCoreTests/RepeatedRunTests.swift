import Synchronization
import Testing
@testable import BenchCore

@Suite struct RepeatedRunTests {
    /// Two runs: 990 round trips of 10 µs, then 10 of 1 ms.
    static let runs: [(BenchResult, LatencyHistogram)] = [(990, UInt64(10_000)), (10, 1_000_000)].enumerated().map { k, run in
        var h = LatencyHistogram()
        for _ in 0..<run.0 { h.record(nanos: run.1) }
        let r = BenchResult(test: "t.run\(k + 1)", tool: "ibbench", transport: .tcp,
                            metrics: [Metric("transactions_per_second", 1000, .perSecond)] + h.metrics)
        return (r, h)
    }

    /// Of all 1000 round trips, the 99th percentile is 10 µs and the mean 19.9 µs; the means
    /// of the two runs' figures would give 505 µs for both.
    @Test func theLatencyOfASummaryIsThatOfEveryRoundTrip() throws {
        let all = LatencyHistogram(merging: Self.runs.map(\.1))
        let s = RepeatedRun.summarize(Self.runs.map(\.0), roundTrips: all, testID: "t", transport: .tcp)
        #expect(try #require(s.metric("latency_p99")).value.isNear(10_000))
        #expect(try #require(s.metric("latency_p99_9")).value.isNear(1_000_000))
        #expect(try #require(s.metric("latency_mean")).value.isNear(19_900))
        #expect(try #require(s.metric("latency_max")).value.isNear(1_000_000))
        #expect(try #require(s.metric("latency_min")).value.isNear(10_000))
        #expect(s.metric("transactions_per_second")?.value == 1000)
        // The latency figures a run has, in its order, and no others.
        let latency = { (r: BenchResult) in r.metrics.map(\.name).filter { $0.hasPrefix("latency_") } }
        #expect(latency(s) == latency(Self.runs[0].0))
    }

    /// Without the round trips (a stream, or a run that had none), each figure is the runs' mean.
    @Test func withoutRoundTripsTheFiguresAreTheRunsMeans() throws {
        let s = RepeatedRun.summarize(Self.runs.map(\.0), testID: "t", transport: .tcp)
        #expect(try #require(s.metric("latency_p99")).value.isNear(505_000))
    }

    /// `run` folds the round trips that each run hands back into the summary it reports, and
    /// judges the summary's 99th percentile: 10 µs passes a 50 µs bound that 505 µs would miss.
    @Test func runFoldsEachRunsRoundTrips() throws {
        let reporter = Collecting()
        let next = Mutex(0)
        let verdict = RepeatedRun.run(count: 2, testID: "t", transport: .tcp, thresholds: Thresholds(maxLatencyP99: 50_000),
                                      reporter: reporter) { id in
            let (r, h) = Self.runs[next.withLock { k in defer { k += 1 }; return k }]
            var renamed = r
            renamed.test = id
            return ClientRun(results: [(renamed, nil)], roundTrips: h)
        }
        #expect(verdict == .passed)
        let summary = try #require(reporter.results.withLock { $0.last })
        #expect(summary.test == "t")
        #expect(try #require(summary.metric("latency_p99")).value.isNear(10_000))
    }

    /// When one run has no round trips, the summary falls back to the means, for every figure.
    @Test func aRunWithoutRoundTripsGivesTheMeans() throws {
        let reporter = Collecting()
        let next = Mutex(0)
        _ = RepeatedRun.run(count: 2, testID: "t", transport: .tcp, thresholds: Thresholds(), reporter: reporter) { id in
            let k = next.withLock { k in defer { k += 1 }; return k }
            let (r, h) = Self.runs[k]
            return ClientRun(results: [(r, nil)], roundTrips: k == 0 ? h : nil)
        }
        let summary = try #require(reporter.results.withLock { $0.last })
        #expect(try #require(summary.metric("latency_p99")).value.isNear(505_000))
    }
}

private final class Collecting: Reporter {
    let results = Mutex<[BenchResult]>([])
    func started(test: String, route: String?) {}
    func interval(_ sample: IntervalSample) {}
    func finished(_ result: BenchResult, route: String?) { results.withLock { $0.append(result) } }
}

private extension Double {
    /// Within HdrHistogram's three significant digits.
    func isNear(_ x: Double) -> Bool { abs(self - x) <= x * 0.001 }
}

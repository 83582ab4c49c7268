/// What one test run on the client produced: its results (per stream, then the total last)
/// and, when it broke, why.
package struct ClientRun {
    package var results: [(BenchResult, String?)]
    /// Set when the run could not produce results at all (peer unreachable, refused, busy).
    package var error: BenchError?
    /// The round trips behind the total's latency figures (rr, crr), kept so that a
    /// `--repeat` summary gives the percentiles of every run's round trips.
    package var roundTrips: LatencyHistogram?

    package init(results: [(BenchResult, String?)], error: BenchError? = nil, roundTrips: LatencyHistogram? = nil) {
        self.results = results
        self.error = error
        self.roundTrips = roundTrips
    }
}

/// `--repeat N`: one test run N times, each run reported, then folded into one judged
/// result; the same for every transport.
package enum RepeatedRun {
    package static let countRange = 1...1000

    /// One run of the test, under the id it is given.
    package typealias Once = (_ testID: String) -> ClientRun

    /// Runs `once` `count` times (test ids `<id>.runK` when more than once), reporting every
    /// result. Thresholds judge the single run, or else the summary; the first run that
    /// breaks ends the repetitions.
    package static func run(count: Int, testID: String, transport: BenchResult.Transport, thresholds: Thresholds,
                            reporter: any Reporter, _ once: Once) -> RunVerdict {
        var totals: [BenchResult] = []
        // One histogram folded as the runs end, not one kept per run: each is about 300 KiB.
        var roundTrips: LatencyHistogram? = LatencyHistogram()
        for k in 0..<max(1, count) {
            let id = count > 1 ? "\(testID).run\(k + 1)" : testID
            let run = once(id)
            if let error = run.error {
                reporter.finished(BenchResult(test: id, tool: "ibbench", transport: transport, status: .error,
                                              reason: error.description, started: wallClockSeconds()), route: nil)
                return .error(error.description)
            }
            for (r, route) in run.results.dropLast() { reporter.finished(r, route: route) }
            guard let total = run.results.last?.0 else { return .error("\(id): no result") }
            let judged = count > 1 ? total : thresholds.apply(to: total)
            reporter.finished(judged, route: nil)
            if judged.status == .error { return .error(judged.reason ?? "\(id) failed") }
            totals.append(judged)
            if let h = run.roundTrips, h.count > 0 { roundTrips?.merge(h) } else { roundTrips = nil }
        }
        let summary = count > 1
            ? thresholds.apply(to: summarize(totals, roundTrips: roundTrips, testID: testID, transport: transport))
            : totals[0]
        if count > 1 { reporter.finished(summary, route: nil) }
        return summary.status == .success ? .passed : .thresholdMissed
    }

    /// The mean of every metric all runs have, plus stddev, the 95 % confidence interval, min
    /// and max of the headline metrics (throughput, transactions/s); durations add up. With
    /// `roundTrips`, every run's round trips together, the latency figures are theirs: a mean
    /// of the runs' 99th percentiles is not the 99th percentile of the runs.
    package static func summarize(_ runs: [BenchResult], roundTrips: LatencyHistogram? = nil, testID: String,
                                  transport: BenchResult.Transport) -> BenchResult {
        guard let first = runs.first else {
            return BenchResult(test: testID, tool: "ibbench", transport: transport, status: .error, reason: "no run completed")
        }
        var r = BenchResult(test: testID, tool: "ibbench", transport: transport, parameters: first.parameters,
                            started: first.started)
        r.parameters["repeat"] = String(runs.count)
        let latency = roundTrips?.metrics ?? []
        for m in first.metrics {
            if let all = latency.first(where: { $0.name == m.name }) { r.metrics.append(all); continue }
            let values = runs.compactMap { $0.metric(m.name)?.value }
            guard values.count == runs.count, let s = Summary(values) else { continue }
            r.metrics.append(Metric(m.name, s.mean, m.unit))
            if m.name == "throughput" || m.name == "transactions_per_second" {
                r.metrics.append(Metric("\(m.name)_stddev", s.stddev, m.unit))
                r.metrics.append(Metric("\(m.name)_ci95_low", s.mean - s.confidenceHalfWidth, m.unit))
                r.metrics.append(Metric("\(m.name)_ci95_high", s.mean + s.confidenceHalfWidth, m.unit))
                r.metrics.append(Metric("\(m.name)_min", s.min, m.unit))
                r.metrics.append(Metric("\(m.name)_max", s.max, m.unit))
            }
        }
        r.metrics.append(Metric("repeats", Double(runs.count), .count))
        r.duration = runs.compactMap(\.duration).reduce(0, +)
        return r
    }
}

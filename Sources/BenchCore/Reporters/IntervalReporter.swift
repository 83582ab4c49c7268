/// `--interval`: a thread that reads the streams' counters every `every` seconds and reports
/// what `metrics` makes of the span, per stream (route = stream number) when there are
/// several, and in total. It reads the counters the data loops keep anyway, so the loops do
/// no work for it.
package final class IntervalReporter: @unchecked Sendable {
    /// Seconds between interim reports: below 0.1 s the reports cost more than they tell.
    package static let everyRange: ClosedRange<Double> = 0.1...86_400

    /// Metrics of one span from the bytes and transactions counted in it and its seconds.
    package typealias SpanMetrics = @Sendable (_ bytes: UInt64, _ transactions: UInt64, _ seconds: Double) -> [Metric]

    private let stopGate = Gate(false)
    private var thread: BenchThread<Void>?

    /// `startNanos`: the monotonic time the streams started, which spans are counted from.
    package init(testID: String, every: Double, streams: [StreamProgress], startNanos: UInt64,
                 reporter: any Reporter, metrics: @escaping SpanMetrics) {
        let gate = stopGate
        thread = try? BenchThread(name: "ibb-interval") {
            let count = streams.count
            var lastBytes = [UInt64](repeating: 0, count: count)
            var lastTx = [UInt64](repeating: 0, count: count)
            var from = 0.0
            var tick = 1
            while true {
                let target = Deadline(nanos: startNanos &+ UInt64(Double(tick) * every * 1e9))
                let stopped = gate.wait(until: target) { $0 }
                if stopped || streams.allSatisfy({ $0.done.load(ordering: .acquiring) }) { return }
                let to = Double(monotonicNanos() &- startNanos) / 1e9
                let span = max(to - from, 1e-9)
                var sumBytes: UInt64 = 0, sumTx: UInt64 = 0
                for i in 0..<count {
                    let b = streams[i].bytes.load(ordering: .relaxed)
                    let t = streams[i].transactions.load(ordering: .relaxed)
                    let db = b &- lastBytes[i], dt = t &- lastTx[i]
                    lastBytes[i] = b
                    lastTx[i] = t
                    sumBytes &+= db
                    sumTx &+= dt
                    if count > 1 {
                        reporter.interval(IntervalSample(test: "\(testID).stream\(i)", route: String(i), from: from, to: to,
                                                         metrics: metrics(db, dt, span)))
                    }
                }
                reporter.interval(IntervalSample(test: testID, from: from, to: to, metrics: metrics(sumBytes, sumTx, span)))
                from = to
                tick += 1
            }
        }
    }

    /// Stops the thread (it reports no partial span) and waits for it.
    package func finish() {
        stopGate.update { $0 = true }
        thread?.join()
        thread = nil
    }
}

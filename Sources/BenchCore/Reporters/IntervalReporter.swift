/// `--interval`: a thread that reads the streams' counters every `every` seconds and reports
/// what `metrics` makes of the span, per stream (route = stream number) when asked, and in
/// total. It reads the counters the data loops keep anyway, so the loops do no work for it.
package final class IntervalReporter: @unchecked Sendable {
    /// Seconds between interim reports: below 0.1 s the reports cost more than they tell.
    package static let everyRange: ClosedRange<Double> = 0.1...86_400

    /// What the streams one report covers counted in a span: one stream for a per-stream
    /// report, every stream for the total.
    package struct Span: Sendable {
        /// Stream numbers, and what each counted, in the same order.
        package let streams: [Int]
        package let bytes: [UInt64]
        package let transactions: [UInt64]
        package let seconds: Double

        package var totalBytes: UInt64 { bytes.reduce(0, &+) }
        package var totalTransactions: UInt64 { transactions.reduce(0, &+) }
        /// The bytes of the streams `include` picks by number: one direction's, say.
        package func bytes(where include: (Int) -> Bool) -> UInt64 {
            zip(streams, bytes).reduce(0) { include($1.0) ? $0 &+ $1.1 : $0 }
        }
    }

    /// Metrics of one span from what its streams counted in it.
    package typealias SpanMetrics = @Sendable (_ span: Span) -> [Metric]

    private let stopGate = Gate(false)
    private var thread: BenchThread<Void>?

    /// `startNanos`: the monotonic time the streams started, which spans are counted from.
    /// `perStream`: whether each stream is reported too (by default when there are several).
    package init(testID: String, every: Double, streams: [StreamProgress], startNanos: UInt64, perStream: Bool? = nil,
                 reporter: any Reporter, metrics: @escaping SpanMetrics) {
        let gate = stopGate
        let perStream = perStream ?? (streams.count > 1)
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
                var spanBytes = [UInt64](repeating: 0, count: count), spanTx = spanBytes
                for i in 0..<count {
                    let b = streams[i].bytes.load(ordering: .relaxed)
                    let t = streams[i].transactions.load(ordering: .relaxed)
                    spanBytes[i] = b &- lastBytes[i]
                    spanTx[i] = t &- lastTx[i]
                    lastBytes[i] = b
                    lastTx[i] = t
                    if perStream {
                        let one = Span(streams: [i], bytes: [spanBytes[i]], transactions: [spanTx[i]], seconds: span)
                        reporter.interval(IntervalSample(test: "\(testID).stream\(i)", route: String(i), from: from, to: to,
                                                         metrics: metrics(one)))
                    }
                }
                let all = Span(streams: Array(0..<count), bytes: spanBytes, transactions: spanTx, seconds: span)
                reporter.interval(IntervalSample(test: testID, from: from, to: to, metrics: metrics(all)))
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

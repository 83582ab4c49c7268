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
    /// `duration`: the planned seconds of the test, where the last span ends at the latest
    /// (a sender's drain after it is not part of it); nil when the test has no set length.
    package init(testID: String, every: Double, streams: [StreamProgress], startNanos: UInt64, perStream: Bool? = nil,
                 duration: Double? = nil, reporter: any Reporter, metrics: @escaping SpanMetrics) {
        let gate = stopGate
        let perStream = perStream ?? (streams.count > 1)
        thread = try? BenchThread(name: "ibb-interval") {
            let count = streams.count
            var lastBytes = [UInt64](repeating: 0, count: count)
            var lastTx = [UInt64](repeating: 0, count: count)
            var from = 0.0
            /// Reports what the counters moved by since the last report, as the span from `from` to `to`.
            func report(to: Double) {
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
            }
            var tick = 1
            while true {
                let target = Deadline(nanos: startNanos &+ UInt64(Double(tick) * every * 1e9))
                let stopped = gate.wait(until: target) { $0 }
                let now = Double(monotonicNanos() &- startNanos) / 1e9
                if stopped || streams.allSatisfy({ $0.done.load(ordering: .acquiring) }) {
                    // The part of a span the test ended in, as iperf3 reports it; not the
                    // sliver past the last whole span of a test that fills whole spans.
                    let end = min(now, duration ?? now)
                    if end - from >= every / 10 { report(to: end) }
                    return
                }
                report(to: now)
                tick += 1
            }
        }
    }

    /// Stops the thread, which reports the last, partial span, and waits for it. Called
    /// once the streams have ended, so that the last span holds all they counted.
    package func finish() {
        stopGate.update { $0 = true }
        thread?.join()
        thread = nil
    }
}

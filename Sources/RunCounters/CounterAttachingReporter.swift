import BenchCore
import Fabric
import Synchronization
import SystemPackage

/// `--counters`: the InfiniBand port counters that moved while each test ran, attached to
/// its result, so a throughput figure comes with what the HCA saw (data, packets, waits,
/// errors). An error counter that moved fails a passing result, as `ibsetup counters`
/// flags it. Wraps the run's reporter: a test's window opens when it starts and closes
/// when its result arrives.
public final class CounterAttachingReporter: Reporter {
    private let inner: any Reporter
    private let root: FilePath
    private let target: CounterTarget
    /// The last read, and when: the start of the window of the test now running.
    private let opened: Mutex<(counters: [PortCounters], nanos: UInt64)>
    private let failedAny = Atomic<Bool>(false)

    /// Whether a result was failed for an error counter: the run's exit status must say so.
    public var failedResults: Bool { failedAny.load(ordering: .relaxed) }

    /// Reads the counters once, so that a port that does not exist is an error before any test.
    public init(wrapping inner: any Reporter, root: FilePath, target: CounterTarget) throws(CounterReadError) {
        self.inner = inner
        self.root = root
        self.target = target
        opened = Mutex((try PortCounters.read(root: root, target: target), monotonicNanos()))
    }

    public func started(test: String, route: String?) {
        if route == nil, let now = try? PortCounters.read(root: root, target: target) {
            opened.withLock { $0 = (now, monotonicNanos()) }
        }
        inner.started(test: test, route: route)
    }

    public func interval(_ sample: IntervalSample) { inner.interval(sample) }

    public func finished(_ result: BenchResult, route: String?) {
        guard route == nil, let now = try? PortCounters.read(root: root, target: target) else {
            inner.finished(result, route: route)
            return
        }
        let (before, nanos) = opened.withLock { o in
            defer { o = (now, monotonicNanos()) }   // a sweep's next size starts from here
            return o
        }
        let seconds = Double(monotonicNanos() &- nanos) / 1e9
        let deltas = now.compactMap { after in
            before.first { $0.device == after.device && $0.port == after.port }
                .map { CounterDelta(from: $0, to: after, seconds: seconds) }
        }
        let attached = Self.attach(deltas, to: result)
        if attached.status != result.status { failedAny.store(true, ordering: .relaxed) }
        inner.finished(attached, route: nil)
    }

    /// `result` with one metric per counter that moved, `counter_<dev>_<port>_<name>`
    /// (driver counters `hw_<name>`), plus bytes each way from the 4-octet data counters.
    static func attach(_ deltas: [CounterDelta], to result: BenchResult) -> BenchResult {
        var r = result
        var moved: [String] = []
        for d in deltas {
            let prefix = "counter_\(Self.metricPart(d.device))_\(d.port)_"
            for name in d.changes.keys.sorted() {
                r.metrics.append(Metric(prefix + Self.metricPart(name), Double(d.changes[name]!), .count))
            }
            if d.hasDataCounters {
                r.metrics.append(Metric(prefix + "bytes_sent", Double(d.changes["port_xmit_data"] ?? 0) * 4, .bytes))
                r.metrics.append(Metric(prefix + "bytes_received", Double(d.changes["port_rcv_data"] ?? 0) * 4, .bytes))
            }
            moved += d.errors.map { "\(d.name) \($0) +\(d.changes[$0]!)" }
        }
        if !moved.isEmpty && r.status == .success {
            r.status = .fail
            r.reason = "error counters moved during the test: \(moved.joined(separator: ", ")); see ibsetup counters"
        }
        return r
    }

    /// A device or counter name as part of a metric name: letters, digits and `_` only.
    static func metricPart(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }
}

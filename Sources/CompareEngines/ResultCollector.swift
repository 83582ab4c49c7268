import BenchCore
import Foundation

/// A reporter that keeps what an engine reports, for a runner to hand one result back.
final class ResultCollector: Reporter, @unchecked Sendable {
    private let lock = NSLock()
    private var totals: [BenchResult] = []

    func started(test: String, route: String?) {}
    func interval(_ sample: IntervalSample) {}

    /// Per-stream results (a route) are left out: the comparison wants the total.
    func finished(_ result: BenchResult, route: String?) {
        guard route == nil else { return }
        lock.withLock { totals.append(result) }
    }

    /// The last total reported, nil when the engine reported none.
    var last: BenchResult? { lock.withLock { totals.last } }
}

/// A client's data threads, one per stream, each with the counters and stop flag the control
/// plane watches it by; started one by one, then stopped and joined together.
package final class DataThreads<Result: Sendable>: @unchecked Sendable {
    package private(set) var progress: [StreamProgress] = []
    private var threads: [BenchThread<Result>] = []

    package init() {}

    /// Makes the counters of `count` streams, before any thread starts.
    package func prepare(count: Int) -> [StreamProgress] {
        progress = (0..<count).map { _ in StreamProgress() }
        return progress
    }

    /// Starts stream `index`'s thread, which marks its stream done when `body` returns.
    package func spawn(_ index: Int, name: String, cpu: Int?, _ body: @escaping () -> Result) throws(BenchError) {
        let p = progress[index]
        do {
            threads.append(try BenchThread(name: name, cpu: cpu) {
                let r = body()
                p.done.store(true, ordering: .releasing)
                return r
            })
        } catch {
            throw BenchError(.local, subject: "stream \(index)", what: "cannot start its thread",
                             next: "lower -P or raise the thread limit")
        }
    }

    package var allDone: Bool { progress.allSatisfy { $0.done.load(ordering: .acquiring) } }

    /// Tells every loop to stop; the caller then wakes them (a shutdown of their sockets).
    package func stopAll() { for p in progress { p.stop.store(true, ordering: .relaxed) } }

    /// Waits for every thread (each ends within its loop's deadline) and returns their results.
    package func join() -> [Result] {
        let r = threads.map { $0.join() }
        threads = []
        return r
    }
}

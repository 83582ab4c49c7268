/// A client's data threads, one per stream, each with the counters and stop flag the control
/// plane watches it by; started one by one, then stopped and joined together. Each signals the
/// `Wakeup` it was prepared with as it ends, so the control plane need not poll `allDone`.
package final class DataThreads<Result: Sendable>: @unchecked Sendable {
    package private(set) var progress: [StreamProgress] = []
    private var threads: [BenchThread<Result>] = []
    private var finished: Wakeup?

    package init() {}

    /// Makes the counters of `count` streams, before any thread starts; `finished` is signalled
    /// as each thread ends.
    package func prepare(count: Int, signalling finished: Wakeup) -> [StreamProgress] {
        self.finished = finished
        progress = (0..<count).map { _ in StreamProgress() }
        return progress
    }

    /// Starts stream `index`'s thread, which marks its stream done when `body` returns.
    package func spawn(_ index: Int, name: String, cpu: Int?, _ body: @escaping () -> Result) throws(BenchError) {
        let p = progress[index], finished = self.finished
        do {
            threads.append(try BenchThread(name: name, cpu: cpu) {
                let r = body()
                p.done.store(true, ordering: .releasing)
                finished?.signal()
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

#if canImport(Glibc)
import Glibc
#endif
import BenchCore
import SystemPackage

/// What one test run on the client produced: its results (per stream, then the total last)
/// and, when it broke, why.
struct ClientRun {
    var results: [(BenchResult, String?)]
    /// Set when the run could not produce results at all (peer unreachable, refused, busy).
    var error: BenchError?
}

/// Runs one TCP test against a server: the control connection driven by
/// `ControlClientMachine`, the data path by `DataPath`, every wait bounded.
struct TCPClient {
    let options: TCPTestOptions
    let reporter: any Reporter

    func run(testID: String, size: Int, request: Int, response: Int) -> ClientRun {
        let plan = options.plan(size: size, request: request, response: response)
        let address: SocketAddress
        do { address = try SocketAddress.resolve(options.peer, port: options.port) } catch {
            return ClientRun(results: [], error: error)
        }
        let control = ControlClientRun(address: address,
                                       connection: SocketOptions(device: options.device, bindAddress: options.bind),
                                       plan: plan, token: options.token)
        let data = DataPath(mode: options.mode, plan: plan, options: options, address: address)
        var started = wallClockSeconds()
        var interval: IntervalReporter?
        let end = control.run(data, connected: {
            reporter.started(test: testID, route: nil)
            started = wallClockSeconds()
        }, started: {
            if data.progress.count > 1 {
                for i in data.progress.indices { reporter.started(test: "\(testID).stream\(i)", route: String(i)) }
            }
            if let every = options.interval, every > 0 {
                interval = IntervalReporter(testID: testID, every: every, data: data, reporter: reporter)
            }
        })
        let loops = data.join()
        interval?.finish()
        switch end.streamHalves(peer: address, measured: !loops.isEmpty) {
        case .failure(let error):
            return ClientRun(results: [], error: error)
        case .success(let (server, failure)):
            let built = ClientResults(mode: options.mode, plan: plan, testID: testID, started: started,
                                      client: loops, server: server, failure: failure).build()
            return ClientRun(results: built, error: nil)
        }
    }
}

/// `--interval`: a thread that reads the streams' counters every `every` seconds and reports
/// the rate over that span, per stream (route = stream number) when there are several, and
/// in total.
final class IntervalReporter: @unchecked Sendable {
    private let stopGate = Gate(false)
    private var thread: BenchThread<Void>?

    init(testID: String, every: Double, data: DataPath, reporter: any Reporter) {
        let gate = stopGate
        thread = try? BenchThread(name: "ibb-interval") {
            let count = data.progress.count
            var lastBytes = [UInt64](repeating: 0, count: count)
            var lastTx = [UInt64](repeating: 0, count: count)
            var from = 0.0
            var tick = 1
            while true {
                let target = Deadline(nanos: data.startNanos &+ UInt64(Double(tick) * every * 1e9))
                let stopped = gate.wait(until: target) { $0 }
                if stopped || data.allDone { return }
                let to = Double(monotonicNanos() &- data.startNanos) / 1e9
                var sumBytes: UInt64 = 0, sumTx: UInt64 = 0
                for i in 0..<count {
                    let b = data.progress[i].bytes.load(ordering: .relaxed)
                    let t = data.progress[i].transactions.load(ordering: .relaxed)
                    let db = b &- lastBytes[i], dt = t &- lastTx[i]
                    lastBytes[i] = b
                    lastTx[i] = t
                    sumBytes &+= db
                    sumTx &+= dt
                    if count > 1 {
                        reporter.interval(IntervalSample(test: "\(testID).stream\(i)", route: String(i), from: from, to: to,
                                                         metrics: Self.metrics(db, dt, to - from, data.mode)))
                    }
                }
                reporter.interval(IntervalSample(test: testID, from: from, to: to,
                                                 metrics: Self.metrics(sumBytes, sumTx, to - from, data.mode)))
                from = to
                tick += 1
            }
        }
    }

    private static func metrics(_ bytes: UInt64, _ tx: UInt64, _ span: Double, _ mode: TCPMode) -> [Metric] {
        guard span > 0 else { return [] }
        switch mode {
        case .rr, .crr: return [Metric("transactions_per_second", Double(tx) / span, .perSecond)]
        default: return [Metric("throughput", Double(bytes) * 8 / span, .bitsPerSecond), Metric("bytes", Double(bytes), .bytes)]
        }
    }

    func finish() {
        stopGate.update { $0 = true }
        thread?.join()
        thread = nil
    }
}

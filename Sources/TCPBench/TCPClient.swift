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
        let control: Socket
        do {
            var o = SocketOptions(device: options.device, bindAddress: options.bind)
            o.noDelay = true
            control = try Socket.connect(to: address, options: o, until: .after(seconds: 10))
        } catch {
            return ClientRun(results: [], error: BenchError(.peer, subject: "\(address)", what: "cannot connect",
                                                            errnoName: error.symbol,
                                                            next: DataPath.advice(error, options)))
        }
        reporter.started(test: testID, route: nil)
        let started = wallClockSeconds()
        var channel = ControlChannel(socket: control)
        var machine = ControlClientMachine(plan: plan, token: options.token, software: "ibbench 0.1.0")
        let data = DataPath(mode: options.mode, plan: plan, options: options)
        var session: [UInt8] = []
        var outcome: ControlClientMachine.Outcome?
        var interval: IntervalReporter?
        var queue = machine.connected()
        while outcome == nil {
            while !queue.isEmpty {
                switch queue.removeFirst() {
                case .send(let m):
                    if !channel.send(m) { queue += machine.peerClosed() }
                case .attachDataPath(let s, _):
                    session = s
                    do {
                        try data.open(to: address, session: s)
                        queue += machine.dataPathAttached()
                    } catch {
                        queue += machine.dataPathFailed(error.description)
                    }
                case .startStreams:
                    do {
                        try data.start(address: address, session: session)
                        if let every = options.interval, every > 0 {
                            interval = IntervalReporter(testID: testID, every: every, data: data, reporter: reporter)
                        }
                    } catch {
                        queue += machine.deadlinePassed()
                    }
                case .stopStreams:
                    data.stop()
                case .finish(let o):
                    outcome = o
                }
            }
            if outcome != nil { break }
            if machine.state == .running {
                queue += waitForStreams(&channel, &machine, data: data)
                continue
            }
            switch channel.receive(until: .after(seconds: machine.waitLimit)) {
            case .event(let e): queue += machine.received(e)
            case .closed: queue += machine.peerClosed()
            case .timedOut: queue += machine.deadlinePassed()
            }
        }
        data.stop()
        let loops = data.join()
        interval?.finish()
        switch outcome! {
        case .busy(let text):
            return ClientRun(results: [], error: BenchError(.peer, subject: "\(address)", what: text, next: "or run against another server"))
        case .failed(let why) where loops.isEmpty:
            return ClientRun(results: [], error: BenchError(.peer, subject: "\(address)", what: why, next: "see the server's log"))
        case .failed(let why):
            let built = ClientResults(mode: options.mode, plan: plan, testID: testID, started: started,
                                      client: loops, server: [:], failure: why).build()
            return ClientRun(results: built, error: nil)
        case .completed(let bytes):
            var server: [Int: BenchResult] = [:]
            for (r, _) in SubunitResults.decode(bytes) {
                if let i = r.parameters["stream"].flatMap({ Int($0) }) { server[i] = r }
            }
            let built = ClientResults(mode: options.mode, plan: plan, testID: testID, started: started,
                                      client: loops, server: server, failure: nil).build()
            return ClientRun(results: built, error: nil)
        }
    }

    /// While the data threads run: watch the control connection (a server error or a lost
    /// peer stops them) until they are all done or the time limit passes.
    private func waitForStreams(_ channel: inout ControlChannel, _ machine: inout ControlClientMachine,
                                data: DataPath) -> [ControlClientMachine.Action] {
        let deadline = Deadline.after(seconds: machine.waitLimit)
        while true {
            if data.allDone { return machine.streamsFinished() }
            if deadline.hasPassed { return machine.deadlinePassed() }
            switch channel.receive(until: .after(seconds: 0.05)) {
            case .event(let e): return machine.received(e)
            case .closed: return machine.peerClosed()
            case .timedOut: continue
            }
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
                        reporter.interval(IntervalSample(test: testID, route: String(i), from: from, to: to,
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

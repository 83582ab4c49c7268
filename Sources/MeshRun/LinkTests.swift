import BenchCore
import Mesh
import RDMABench
import Synchronization
import TCPBench

/// The client side of one directed link: the bandwidth test against the other rank's
/// server, then the latency test, with the engines `ibbench tcp` and `ibbench rdma` use.
struct LinkTests {
    let spec: MeshTestSpec
    /// The local address the tests connect from (this rank's own), nil for any.
    let localAddress: String?
    /// This node's own choices: the netdev its connections leave through (`--dev`), the
    /// HCA and port of its RDMA tests (`--ib-dev`, `--ib-port`).
    let device: String?
    let ibDevice: String?
    let ibPort: Int?
    let token: String?

    func run(_ job: PairJob) -> PairReport {
        let started = wallClockSeconds()
        let clock = monotonicNanos()
        let bandwidth = spec.transport == .tcp ? tcp(.stream, to: job.toAddress) : rdma(.write, .bw, to: job.toAddress)
        // A bandwidth test that broke means the peer is gone or refusing: a latency test
        // would only wait out the same deadlines again.
        let latency = bandwidth.failure == nil
            ? (spec.transport == .tcp ? tcp(.rr, to: job.toAddress) : rdma(.send, .lat, to: job.toAddress))
            : nil
        let failure = bandwidth.failure ?? latency?.failure
        let result = LinkResult(
            DirectedLink(from: job.from, to: job.to), transport: spec.transport.rawValue, phase: job.phase,
            status: failure == nil ? .success : .failed,
            bandwidthBitsPerSecond: bandwidth.result?.metric("throughput")?.value,
            latencyNanoseconds: latency?.result.flatMap(Self.roundTrip),
            reason: failure, round: job.round, started: started,
            duration: Double(monotonicNanos() - clock) / 1e9)
        return PairReport(id: job.id, result: result, bandwidth: bandwidth.result, latency: latency?.result)
    }

    /// The median round trip: robust against the odd scheduling hiccup that moves a mean.
    static func roundTrip(_ r: BenchResult) -> Double? {
        r.metric("latency_p50")?.value ?? r.metric("latency_mean")?.value
    }

    struct Measured {
        /// The test's total (the result without a stream route).
        var result: BenchResult?
        var failure: String?
    }

    /// The options of one TCP test of a link: the spec's, and this node's own.
    func tcpOptions(_ mode: TCPMode, to peer: String) -> TCPTestOptions {
        var test = TCPTestOptions(peer: peer)
        test.mode = mode
        test.port = spec.port
        test.duration = spec.duration
        test.bind = localAddress
        test.device = device
        test.token = token
        test.tuning = spec.tcp
        if mode == .stream {
            test.streams = spec.streams
            if let size = spec.size { test.size = size }
            test.busyPoll = false
        } else {
            test.zeroCopy = false
            test.request = spec.latencySize
            test.response = spec.latencySize
        }
        return test
    }

    private func tcp(_ mode: TCPMode, to peer: String) -> Measured {
        let test = tcpOptions(mode, to: peer)
        let collector = TotalsCollector()
        do {
            let verdict = try TCPBenchmark.run(TCPRunRequest(test: test), reporter: collector)
            return collector.measured(verdict)
        } catch {
            return Measured(result: nil, failure: error.description)
        }
    }

    /// The options of one RDMA test of a link: the spec's, and this node's own.
    func rdmaOptions(_ verb: RDMAVerb, _ mode: RDMAMode, to peer: String) -> RDMAOptions {
        let size = mode == .bw ? (spec.size ?? 65536) : spec.latencySize
        var options = RDMAOptions(peer: peer, port: spec.port, verb: verb, mode: mode, sizes: [size],
                                  duration: spec.duration, qps: mode == .bw ? spec.streams : 1,
                                  device: ibDevice, devicePort: ibPort, interface: device, bind: localAddress)
        options.tuning = spec.rdma
        options.token = token
        return options
    }

    private func rdma(_ verb: RDMAVerb, _ mode: RDMAMode, to peer: String) -> Measured {
        let options = rdmaOptions(verb, mode, to: peer)
        let collector = TotalsCollector()
        do {
            let verdict = try RDMABenchmark.run(RDMARunRequest(options: options), reporter: collector)
            return collector.measured(verdict)
        } catch {
            return Measured(result: nil, failure: error.description)
        }
    }
}

/// Keeps the totals an engine reports (results without a stream route).
private final class TotalsCollector: Reporter {
    private let totals = Mutex<[BenchResult]>([])

    func started(test: String, route: String?) {}
    func interval(_ sample: IntervalSample) {}
    func finished(_ result: BenchResult, route: String?) {
        if route == nil { totals.withLock { $0.append(result) } }
    }

    func measured(_ verdict: RunVerdict) -> LinkTests.Measured {
        let last = totals.withLock { $0.last }
        if case .error(let text) = verdict { return .init(result: last, failure: text) }
        if let last, last.status == .error { return .init(result: last, failure: last.reason ?? "\(last.test) failed") }
        if last == nil { return .init(result: nil, failure: "the test reported no result") }
        return .init(result: last, failure: nil)
    }
}

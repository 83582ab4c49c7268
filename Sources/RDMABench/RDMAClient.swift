import BenchCore
import SystemPackage
import Fabric
import SystemCalls

/// The client side of `ibbench rdma`: for each message size, sets the test up with
/// `ibbench serve` over the control protocol (token check, busy answer, deadlines as for
/// TCP), connects one RC QP per `--qps` through rdma_cm, runs the data loop, and reports a
/// `BenchResult` with the server's half.
public enum RDMAClient {
    /// Runs every size of `options`, handing each result to `emit` as soon as it is measured.
    /// A run that breaks emits what it measured (status `.error`) and then throws.
    /// `starting` gets each size's test id before it runs (reporters mark it in progress).
    public static func run(_ options: RDMAOptions, starting: (String) -> Void = { _ in },
                           emit: (BenchResult) -> Void) throws(RDMAError) {
        let o = try options.validated()
        if verbsDeviceNames().isEmpty { throw noDeviceError }
        let address: SocketAddress
        do { address = try SocketAddress.resolve(o.peer, port: o.port) } catch {
            throw RDMAError(.addressResolution, error.subject, error.what, next: error.next)
        }
        for size in o.sizes {
            let run = SizeRun(options: o, size: size, address: address)
            let (result, failure) = run.measure { starting(testID(o, size: size)) }
            if let result { emit(result) }
            if let failure { throw failure }
        }
    }

    /// `ibbench.rdma.write.bw`, with the size appended in a sweep (`ibbench.rdma.write.bw.65536`).
    public static func testID(_ o: RDMAOptions, size: Int) -> String {
        "ibbench.rdma.\(o.verb.rawValue).\(o.mode.rawValue)" + (o.sizes.count > 1 ? ".\(size)" : "")
    }

    static let noDeviceError = RDMAError(.noDevice, "rdma", "no RDMA device found (ibv_get_device_list is empty)",
                                         next: "load the HCA driver, or for testing create Soft-RoCE: rdma link add rxe0 type rxe netdev eth0")
}

/// One message size: the test's control connection, its data path, the result.
struct SizeRun {
    let o: RDMAOptions
    let size: Int
    let address: SocketAddress

    init(options: RDMAOptions, size: Int, address: SocketAddress) {
        o = options
        self.size = size
        self.address = address
    }

    private var peer: String { "\(address)" }
    private var inlineUsed: Bool { o.verb != .read && size <= o.inlineSize }

    var spec: RDMATestSpec {
        let layout = BufferLayout(qps: o.qps, messageSize: size, depth: o.mode == .bw ? o.txDepth : 1)
        // One-sided writes and reads complete nothing on the server, so it can only tell a
        // dead client by the run outliving its time limit.
        return RDMATestSpec(verb: o.verb, mode: o.mode, layout: layout, inlineSize: o.inlineSize, validate: o.validate,
                            stallSeconds: timeLimit)
    }

    /// The longest either end lets the run last, grace included.
    var timeLimit: Double { (o.duration ?? 600) + o.timeout * 4 + 60 }

    /// The result (nil when nothing was measured) and the failure, if any. `connected` is called
    /// once the control connection is up.
    func measure(connected: () -> Void) -> (BenchResult?, RDMAError?) {
        let path: RDMAClientPath
        let spec = self.spec
        do { path = try RDMAClientPath(options: o, size: size, layout: spec.layout) } catch { return (nil, error) }
        let control = ControlClientRun(address: address,
                                       connection: SocketOptions(device: o.interface, bindAddress: o.bind),
                                       plan: spec.plan(duration: o.duration, timeLimit: timeLimit), token: o.token,
                                       // The time limit holds a minute of grace for the server's
                                       // stall check; a silent server gets only --timeout.
                                       resultsTimeout: o.timeout)
        var started = wallClockSeconds()
        let end = control.run(path, connected: {
            connected()
            started = wallClockSeconds()
        })
        let measured = path.join()
        var server: BenchResult?
        var failure: RDMAError?
        switch end {
        case .unreachable(let e):
            return (nil, RDMAError(.notServing, e.subject, e.what, next: e.next))
        case .localFailure(let e):
            guard let measured else { return (nil, path.openFailure ?? RDMAError(.connection, e.subject, e.what, next: e.next)) }
            failure = measured.failure ?? RDMAError(.connection, e.subject, e.what, next: e.next)
        case .ended(.busy(let text)):
            return (nil, RDMAError(.rejected, peer, text, next: "retry when the other runs end"))
        case .ended(.failed(let why)):
            guard let measured else {
                // Refused before any data moved: by the server (token, limits, no device) or
                // by this side's own setup of the queue pairs.
                return (nil, path.openFailure ?? RDMAError(.rejected, peer, why, next: "see the server's log"))
            }
            failure = measured.failure ?? RDMAError(.peerLost, peer, why, next: "see the server's log")
        case .ended(.completed(let bytes)):
            server = SubunitResults.decode(bytes).first?.0
            failure = measured?.failure
            if failure == nil, server?.status != .success {
                failure = RDMAError(.peerLost, peer, server?.reason ?? "the server sent no result", next: "see the server's log")
            }
            if failure == nil, o.validate, o.verb == .send, let m = measured { failure = checkSendCount(server, sent: m.outcome.messages) }
        }
        guard let measured else { return (nil, failure) }
        let result = makeResult(measured.outcome, histogram: measured.histogram, server: server, device: measured.device,
                                devicePort: measured.devicePort, started: started, failure: failure)
        return (result, failure)
    }

    /// `--validate` for send: every message arrived, and intact, by the server's count.
    private func checkSendCount(_ server: BenchResult?, sent: Int) -> RDMAError? {
        let received = server?.metric("messages_received")?.value ?? -1
        let corrupt = server?.metric("messages_corrupt")?.value ?? 0
        func mismatch(_ what: String) -> RDMAError {
            RDMAError(.dataMismatch, peer, "--validate: \(what)", next: "check the HCA, firmware and cabling; rerun")
        }
        if corrupt > 0 { return mismatch("\(Int(corrupt)) of \(Int(received)) messages arrived corrupt") }
        if received != Double(sent) { return mismatch("the server received \(Int(received)) messages, \(sent) were sent") }
        return nil
    }

    // MARK: result

    private func makeResult(_ outcome: LoopOutcome, histogram: LatencyHistogram, server: BenchResult?,
                            device: String, devicePort: Int, started: Double, failure: RDMAError?) -> BenchResult {
        let seconds = Double(outcome.nanos) / 1e9
        var parameters = [
            "verb": o.verb.rawValue, "mode": o.mode.rawValue, "size": String(size), "qps": String(o.qps),
            "tx_depth": String(o.txDepth), "inline": String(inlineUsed ? o.inlineSize : 0),
            "cq_mod": String(o.cqModeration), "post_list": String(o.mode == .lat ? 1 : o.postList),
            "poll": o.poll.rawValue, "validate": String(o.validate), "device": device, "port": String(devicePort),
            "peer": peer,
        ]
        if let d = o.duration { parameters["duration"] = String(d) } else { parameters["iterations"] = String(o.iterations) }
        var metrics: [Metric] = []
        if seconds > 0 {
            let bytes = Double(outcome.messages) * Double(size)
            if o.mode == .bw {
                metrics.append(Metric("throughput", bytes * 8 / seconds, .bitsPerSecond))
                metrics.append(Metric("throughput_mib_per_second", bytes / seconds / 1_048_576, .count))
            }
            metrics.append(Metric("message_rate", Double(outcome.messages) / seconds, .perSecond))
            metrics.append(Metric("message_rate_mpps", Double(outcome.messages) / seconds / 1e6, .count))
            metrics.append(Metric("messages", Double(outcome.messages), .count))
            metrics.append(Metric("bytes", bytes, .bytes))
        }
        if o.mode == .lat && histogram.count > 0 {
            let h = histogram.histogram
            let values: [(String, Double)] = [
                ("min", Double(h.min)), ("mean", h.mean), ("p50", Double(h.valueAtPercentile(50))),
                ("p99", Double(h.valueAtPercentile(99))), ("p99_9", Double(h.valueAtPercentile(99.9))),
                ("max", Double(h.max)),
            ]
            for (name, v) in values { metrics.append(Metric("latency_\(name)", v, .nanoseconds)) }
            // A read's round trip is one operation; ping-pongs (send, write) also give half of it.
            if o.verb != .read {
                for (name, v) in values { metrics.append(Metric("latency_one_way_\(name)", v / 2, .nanoseconds)) }
            }
        }
        if seconds > 0 { metrics.append(Metric("cpu_local", Double(outcome.cpuNanos) / 1e9 / seconds * 100, .percent)) }
        if let cpu = server?.metric("cpu")?.value, let wall = server?.metric("duration")?.value, wall > 0 {
            metrics.append(Metric("cpu_remote", cpu / wall * 100, .percent))
        }
        return BenchResult(test: RDMAClient.testID(o, size: size), tool: "ibbench", transport: .rdma, parameters: parameters, metrics: metrics,
                           status: failure == nil ? .success : .error, reason: failure?.description,
                           started: started, duration: seconds)
    }
}

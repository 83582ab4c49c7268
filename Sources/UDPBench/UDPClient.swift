#if canImport(Glibc)
import Glibc
#endif
import BenchCore
import SystemPackage

/// Runs one UDP test against a server: the control connection as every transport runs it
/// (`ControlClientRun`), the datagrams by `UDPDataPath`.
struct UDPClient {
    let options: UDPTestOptions

    /// The results, per stream when there are several, then the total; or why there are none.
    func run(testID: String, reporter: any Reporter) -> (results: [(BenchResult, String?)], error: BenchError?) {
        let plan = options.plan()
        let address: SocketAddress
        do { address = try SocketAddress.resolve(options.peer, port: options.port) } catch { return ([], error) }
        let control = ControlClientRun(address: address,
                                       connection: SocketOptions(device: options.device, bindAddress: options.bind),
                                       plan: plan, token: options.token)
        let data = UDPDataPath(options: options, plan: plan, address: address)
        var started = wallClockSeconds()
        var interval: IntervalReporter?
        let end = control.run(data, connected: {
            reporter.started(test: testID, route: nil)
            started = wallClockSeconds()
        }, started: {
            if plan.streams > 1 {
                for i in 0..<plan.streams { reporter.started(test: "\(testID).stream\(i)", route: String(i)) }
            }
            if let every = options.interval {
                interval = IntervalReporter(testID: testID, every: every, streams: data.progress, startNanos: data.startNanos,
                                            reporter: reporter, metrics: Self.spanMetrics(options.mode))
            }
        })
        let loops = data.join()
        interval?.finish()
        switch end.streamHalves(peer: address, measured: !loops.isEmpty) {
        case .failure(let error):
            return ([], error)
        case .success(let (server, failure)):
            let results = UDPResults(mode: options.mode, plan: plan, bitsPerSecond: options.bitsPerSecond, testID: testID,
                                     started: started, client: loops, server: server, failure: failure).build()
            return (results, nil)
        }
    }
}

extension UDPClient {
    /// An interval is the client's view: what it sent (loss and jitter are the server's, and
    /// come with the result), or the transactions it completed.
    static func spanMetrics(_ mode: UDPMode) -> IntervalReporter.SpanMetrics {
        { bytes, transactions, seconds in
            switch mode {
            case .stream: [Metric("throughput_sent", Double(bytes) * 8 / seconds, .bitsPerSecond),
                           Metric("bytes_sent", Double(bytes), .bytes)]
            case .rr: [Metric("transactions_per_second", Double(transactions) / seconds, .perSecond)]
            }
        }
    }
}

/// Joins what the client sent with what the server received: loss is what was sent and never
/// arrived, so datagrams lost after the last one that arrived count too.
struct UDPResults {
    let mode: UDPMode
    let plan: TestPlan
    let bitsPerSecond: Double
    let testID: String
    let started: Double
    let client: [UDPLoopResult]
    let server: [Int: BenchResult]
    let failure: String?

    private var parameters: [String: String] {
        var p = ["mode": mode.rawValue, "streams": String(plan.streams), "duration": Units.fixed(plan.duration, 1)]
        switch mode {
        case .stream:
            p["size"] = String(plan.size)
            if bitsPerSecond > 0 { p["bitrate"] = String(Int(bitsPerSecond)) }
        case .rr:
            p["request"] = String(plan.request)
            p["response"] = String(plan.response)
        }
        for (k, v) in plan.options { p[k] = v }
        return p
    }

    private func serverValue(_ i: Int, _ name: String) -> Double? { server[i]?.metric(name)?.value }

    private func streamError(_ i: Int) -> String? {
        if client[i].errno != 0 && client[i].errno != ECANCELED {
            return "stream \(i): \(Errno(rawValue: client[i].errno).symbol)"
        }
        if let s = server[i], s.status != .success { return s.reason ?? "stream \(i): server side failed" }
        return nil
    }

    /// Stream metrics over `streams`: received rate over the send time, as netperf's
    /// UDP_STREAM reports the receiving side.
    private func streamMetrics(_ streams: [Int]) -> [Metric] {
        let seconds = streams.map { client[$0].seconds }.max() ?? 0
        let sentBytes = streams.map { Double(client[$0].bytes) }.reduce(0, +)
        let sent = streams.map { Double(client[$0].datagrams) }.reduce(0, +)
        let receivedValues = streams.compactMap { serverValue($0, "datagrams_received") }
        let haveServer = receivedValues.count == streams.count
        func rate(_ bytes: Double) -> Double { seconds > 0 ? bytes * 8 / seconds : 0 }
        var m: [Metric] = []
        if haveServer {
            let received = receivedValues.reduce(0, +)
            let receivedBytes = streams.compactMap { serverValue($0, "bytes") }.reduce(0, +)
            let lost = max(0, sent - received)
            m.append(Metric("throughput", rate(receivedBytes), .bitsPerSecond))
            m.append(Metric("throughput_sent", rate(sentBytes), .bitsPerSecond))
            m.append(Metric("bytes", receivedBytes, .bytes))
            m.append(Metric("bytes_sent", sentBytes, .bytes))
            m.append(Metric("bytes_received", receivedBytes, .bytes))
            m.append(Metric("datagrams_sent", sent, .count))
            m.append(Metric("datagrams_received", received, .count))
            m.append(Metric("datagrams_lost", lost, .count))
            m.append(Metric("loss", sent > 0 ? lost / sent * 100 : 0, .percent))
            m.append(Metric("out_of_order", streams.compactMap { serverValue($0, "out_of_order") }.reduce(0, +), .count))
            let jitters = streams.compactMap { serverValue($0, "jitter") }
            m.append(Metric("jitter", jitters.reduce(0, +) / Double(max(1, jitters.count)), .nanoseconds))
        } else {
            // No server half (the run broke): what was sent is all that is known.
            m.append(Metric("throughput_sent", rate(sentBytes), .bitsPerSecond))
            m.append(Metric("bytes_sent", sentBytes, .bytes))
            m.append(Metric("datagrams_sent", sent, .count))
        }
        m.append(Metric("sends_refused", streams.map { Double(client[$0].sendsRefused) }.reduce(0, +), .count))
        m.append(Metric("duration", seconds, .seconds))
        return m
    }

    private func transactionMetrics(_ streams: [Int]) -> [Metric] {
        var histogram = LatencyHistogram()
        for i in streams { if let h = client[i].latency { histogram.merge(h) } }
        let seconds = streams.map { client[$0].seconds }.max() ?? 0
        let n = streams.map { client[$0].transactions }.reduce(0, +)
        var m = [Metric("transactions_per_second", seconds > 0 ? Double(n) / seconds : 0, .perSecond),
                 Metric("transactions", Double(n), .count),
                 Metric("duration", seconds, .seconds)]
        m += histogram.metrics
        m.append(Metric("transactions_lost", Double(streams.map { client[$0].lostTransactions }.reduce(0, +)), .count))
        m.append(Metric("late_responses", Double(streams.map { client[$0].lateResponses }.reduce(0, +)), .count))
        let served = streams.compactMap { serverValue($0, "transactions") }
        if served.count == streams.count { m.append(Metric("transactions_served", served.reduce(0, +), .count)) }
        return m
    }

    func build() -> [(BenchResult, String?)] {
        var out: [(BenchResult, String?)] = []
        func metrics(_ streams: [Int]) -> [Metric] { mode == .stream ? streamMetrics(streams) : transactionMetrics(streams) }
        if client.count > 1 {
            for i in client.indices {
                var r = BenchResult(test: "\(testID).stream\(i)", tool: "ibbench", transport: .udp,
                                    parameters: parameters.merging(["stream": String(i)]) { $1 },
                                    metrics: metrics([i]), started: started, duration: client[i].seconds)
                if let e = streamError(i) { r.status = .error; r.reason = e }
                out.append((r, String(i)))
            }
        }
        let all = Array(client.indices)
        var total = BenchResult(test: testID, tool: "ibbench", transport: .udp, parameters: parameters,
                                metrics: metrics(all), started: started)
        let seconds = client.map(\.seconds).max() ?? 0
        total.duration = seconds
        var localCPU = CPUTime(), remoteCPU = CPUTime()
        for c in client { localCPU = localCPU + c.cpu }
        for s in server.values {
            remoteCPU = remoteCPU + CPUTime(userNanos: UInt64((s.metric("cpu_user")?.value ?? 0) * 1e9),
                                            systemNanos: UInt64((s.metric("cpu_system")?.value ?? 0) * 1e9))
        }
        let work: CPUTime.Work = mode == .stream
            ? .bytes(UInt64(total.metric("bytes")?.value ?? 0))
            : .transactions(client.map(\.transactions).reduce(0, +))
        total.metrics += localCPU.metrics(side: "local", seconds: seconds, work: work)
        if !server.isEmpty { total.metrics += remoteCPU.metrics(side: "remote", seconds: seconds, work: work) }
        if let failure {
            total.status = .error
            total.reason = failure
        } else if let e = all.compactMap(streamError).first {
            total.status = .error
            total.reason = e
        }
        out.append((total, nil))
        return out
    }
}

#if canImport(Glibc)
import Glibc
#endif
import BenchCore
import SystemPackage
import SystemCalls

/// Joins the client's loop results with the server's half into the results a user sees: one
/// per data connection (when there are several) and the total, which carries the CPU figures.
struct ClientResults {
    let mode: TCPMode
    let plan: TestPlan
    let testID: String
    let started: Double
    let client: [LoopResult]
    /// Server halves by stream index.
    let server: [Int: BenchResult]
    /// Why the run broke, if it did.
    let failure: String?

    private func serverValue(_ i: Int, _ name: String) -> Double? { server[i]?.metric(name)?.value }

    private var parameters: [String: String] {
        var p = ["mode": mode.rawValue, "streams": String(plan.streams)]
        switch mode {
        case .rr, .crr:
            p["request"] = String(plan.request)
            p["response"] = String(plan.response)
        default:
            p["size"] = String(plan.size)
        }
        if let b = plan.bytes { p["bytes"] = String(b) } else { p["duration"] = Units.settingSeconds(plan.duration) }
        if plan.omit > 0 { p["omit"] = Units.settingSeconds(plan.omit) }
        for (k, v) in plan.options { p[k] = v }
        return p
    }

    /// One connection as the user sees it. A count the peer kept is nil when its half of the
    /// results never came (a dead server): what arrived there is not known, and is not
    /// guessed from what was sent.
    private struct Flow {
        var sentBytes: Double?
        var receivedBytes: Double?
        var seconds: Double
        var clientSends: Bool
        var retransmits: Double
        var rttNanos: Double
        var throughput: Double? { receivedBytes.map { seconds > 0 ? $0 * 8 / seconds : 0 } }
    }

    private func flow(_ i: Int) -> Flow {
        let c = client[i]
        if mode.serverSends(index: i, streams: plan.streams) {
            return Flow(sentBytes: serverValue(i, "bytes"), receivedBytes: Double(c.bytes), seconds: c.seconds,
                        clientSends: false, retransmits: serverValue(i, "retransmits") ?? 0,
                        rttNanos: serverValue(i, "rtt") ?? 0)
        }
        // Client sends: the receiver (server) knows what arrived and when the last byte did.
        if let got = serverValue(i, "bytes"), let secs = serverValue(i, "duration"), secs > 0 {
            return Flow(sentBytes: Double(c.bytes), receivedBytes: got, seconds: secs, clientSends: true,
                        retransmits: Double(c.tcp.retransmits), rttNanos: Double(c.tcp.rttMicros) * 1000)
        }
        return Flow(sentBytes: Double(c.bytes), receivedBytes: nil, seconds: c.seconds, clientSends: true,
                    retransmits: Double(c.tcp.retransmits), rttNanos: Double(c.tcp.rttMicros) * 1000)
    }

    private func streamError(_ i: Int) -> String? {
        if client[i].errno != 0 && client[i].errno != ECANCELED {
            return "stream \(i): \(Errno(rawValue: client[i].errno).symbol)"
        }
        if let s = server[i], s.status != .success { return s.reason ?? "stream \(i): server side failed" }
        return nil
    }

    /// The results, per connection when there are several, then the total; and for rr and crr
    /// the round trips the total's latency figures come from.
    func build() -> ClientRun {
        var out: [(BenchResult, String?)] = []
        var roundTrips: LatencyHistogram?
        let perStream = client.count > 1
        var localCPU = CPUTime(), remoteCPU = CPUTime()
        for c in client { localCPU = localCPU + c.cpu }
        for s in server.values {
            remoteCPU = remoteCPU + CPUTime(userNanos: UInt64((s.metric("cpu_user")?.value ?? 0) * 1e9),
                                            systemNanos: UInt64((s.metric("cpu_system")?.value ?? 0) * 1e9))
        }
        var total = BenchResult(test: testID, tool: "ibbench", transport: .tcp, parameters: parameters,
                                started: started)
        let errors = client.indices.compactMap(streamError)
        switch mode {
        case .stream, .reverse, .bidir:
            let flows = client.indices.map(flow)
            if perStream {
                for (i, f) in flows.enumerated() {
                    var r = BenchResult(test: "\(testID).stream\(i)", tool: "ibbench", transport: .tcp,
                                        parameters: parameters.merging(["stream": String(i),
                                                                         "direction": f.clientSends ? "send" : "receive"]) { $1 },
                                        metrics: flowMetrics(f), started: started, duration: f.seconds)
                    if let e = streamError(i) { r.status = .error; r.reason = e }
                    out.append((r, String(i)))
                }
            }
            /// What `fs` delivered; nil when a receiver's count is lost.
            func delivered(_ fs: [Flow]) -> Double? {
                let counts = fs.compactMap(\.receivedBytes)
                return counts.count == fs.count ? counts.reduce(0, +) : nil
            }
            /// What `fs` delivered over their longest time.
            func rate(_ fs: [Flow]) -> Double? {
                let s = fs.map(\.seconds).max() ?? 0
                return delivered(fs).map { s > 0 ? $0 * 8 / s : 0 }
            }
            let seconds = flows.map(\.seconds).max() ?? 0
            let received = delivered(flows)
            let sent = flows.compactMap(\.sentBytes)
            var m: [Metric] = []
            if let t = rate(flows) { m.append(Metric("throughput", t, .bitsPerSecond)) }
            if mode == .bidir {
                let up = flows.filter(\.clientSends), down = flows.filter { !$0.clientSends }
                if let r = rate(up) { m.append(Metric("throughput_sent", r, .bitsPerSecond)) }
                if let r = rate(down) { m.append(Metric("throughput_received", r, .bitsPerSecond)) }
            }
            if let received { m.append(Metric("bytes", received, .bytes)) }
            if sent.count == flows.count { m.append(Metric("bytes_sent", sent.reduce(0, +), .bytes)) }
            if let received { m.append(Metric("bytes_received", received, .bytes)) }
            m.append(Metric("duration", seconds, .seconds))
            m.append(Metric("retransmits", flows.map(\.retransmits).reduce(0, +), .count))
            let rtts = flows.map(\.rttNanos).filter { $0 > 0 }
            if !rtts.isEmpty { m.append(Metric("rtt", rtts.reduce(0, +) / Double(rtts.count), .nanoseconds)) }
            let moved = received ?? sent.reduce(0, +)
            m += cpuMetrics(local: localCPU, remote: remoteCPU, seconds: seconds, work: .bytes(UInt64(moved)))
            total.metrics = m
            total.duration = seconds
        case .rr, .crr:
            let histogram = LatencyHistogram(merging: client.compactMap(\.latency))
            roundTrips = histogram
            let seconds = client.map(\.seconds).max() ?? 0
            let transactions = client.map(\.transactions).reduce(0, +)
            if perStream {
                for (i, c) in client.enumerated() {
                    var r = BenchResult(test: "\(testID).stream\(i)", tool: "ibbench", transport: .tcp,
                                        parameters: parameters.merging(["stream": String(i)]) { $1 },
                                        metrics: transactionMetrics(c.transactions, c.seconds, c.latency),
                                        started: started, duration: c.seconds)
                    if let e = streamError(i) { r.status = .error; r.reason = e }
                    out.append((r, String(i)))
                }
            }
            var m = transactionMetrics(transactions, seconds, histogram)
            let served = (0..<client.count).compactMap { serverValue($0, "transactions") }
            if served.count == client.count { m.append(Metric("transactions_served", served.reduce(0, +), .count)) }
            m += cpuMetrics(local: localCPU, remote: remoteCPU, seconds: seconds, work: .transactions(transactions))
            total.metrics = m
            total.duration = seconds
        }
        if let failure {
            total.status = .error
            total.reason = failure
        } else if let e = errors.first {
            total.status = .error
            total.reason = e
        }
        out.append((total, nil))
        return ClientRun(results: out, roundTrips: roundTrips)
    }

    private func flowMetrics(_ f: Flow) -> [Metric] {
        var m: [Metric] = []
        if let t = f.throughput, let r = f.receivedBytes { m += [Metric("throughput", t, .bitsPerSecond), Metric("bytes", r, .bytes)] }
        if let s = f.sentBytes { m.append(Metric("bytes_sent", s, .bytes)) }
        if let r = f.receivedBytes { m.append(Metric("bytes_received", r, .bytes)) }
        m.append(Metric("duration", f.seconds, .seconds))
        m.append(Metric("retransmits", f.retransmits, .count))
        if f.rttNanos > 0 { m.append(Metric("rtt", f.rttNanos, .nanoseconds)) }
        return m
    }

    private func transactionMetrics(_ n: UInt64, _ seconds: Double, _ h: LatencyHistogram?) -> [Metric] {
        var m = [Metric("transactions_per_second", seconds > 0 ? Double(n) / seconds : 0, .perSecond),
                 Metric("transactions", Double(n), .count),
                 Metric("duration", seconds, .seconds)]
        if let h { m += h.metrics }
        return m
    }

    private func cpuMetrics(local: CPUTime, remote: CPUTime, seconds: Double, work: CPUTime.Work) -> [Metric] {
        var m = local.metrics(side: "local", seconds: seconds, work: work)
        if !server.isEmpty { m += remote.metrics(side: "remote", seconds: seconds, work: work) }
        return m
    }
}

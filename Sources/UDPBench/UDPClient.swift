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
    func run(testID: String, reporter: any Reporter) -> ClientRun {
        let plan = options.plan()
        let address: SocketAddress
        do { address = try SocketAddress.resolve(options.peer, port: options.port) } catch {
            return ClientRun(results: [], error: error)
        }
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
                for i in data.progress.indices { reporter.started(test: "\(testID).stream\(i)", route: String(i)) }
            }
            if options.mode == .bidir {
                for way in UDPResults.directions { reporter.started(test: "\(testID).\(way)", route: nil) }
            }
            if let every = options.interval {
                interval = IntervalReporter(testID: testID, every: every, streams: data.progress, startNanos: data.startNanos,
                                            perStream: plan.streams > 1, duration: plan.duration, reporter: reporter,
                                            metrics: Self.spanMetrics(options.mode, streams: plan.streams))
            }
        })
        let loops = data.join()
        interval?.finish()
        switch end.streamHalves(peer: address, measured: !loops.isEmpty) {
        case .failure(let error):
            return ClientRun(results: [], error: error)
        case .success(let (server, failure)):
            return UDPResults(mode: options.mode, plan: plan, bitsPerSecond: options.bitsPerSecond, testID: testID,
                              started: started, client: loops, server: server, failure: failure).build()
        }
    }
}

extension UDPClient {
    /// An interval is the client's view: what it received (reverse, bidir), what it sent
    /// (stream, bidir; loss and jitter are the server's, and come with the result), or the
    /// transactions it completed.
    static func spanMetrics(_ mode: UDPMode, streams: Int) -> IntervalReporter.SpanMetrics {
        { span in
            if mode == .rr { return [Metric("transactions_per_second", Double(span.totalTransactions) / span.seconds, .perSecond)] }
            let receives: (Int) -> Bool = { mode.serverSends(index: $0, streams: streams) }
            var m: [Metric] = []
            if span.streams.contains(where: receives) {
                let bytes = Double(span.bytes(where: receives))
                m += [Metric("throughput", bytes * 8 / span.seconds, .bitsPerSecond), Metric("bytes_received", bytes, .bytes)]
            }
            if !span.streams.allSatisfy(receives) {
                let bytes = Double(span.bytes { !receives($0) })
                m += [Metric("throughput_sent", bytes * 8 / span.seconds, .bitsPerSecond), Metric("bytes_sent", bytes, .bytes)]
            }
            return m
        }
    }
}

/// Joins what the sender sent with what the receiver received (the client and the server, or
/// in reverse the other way round; bidir has both): loss is what was sent and never arrived,
/// so datagrams lost after the last one that arrived count too.
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
        var p = ["mode": mode.rawValue, "streams": String(plan.streams), "duration": Units.settingSeconds(plan.duration)]
        switch mode {
        case .stream, .reverse, .bidir:
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

    /// Whether the client sends on socket `i` (the server receives).
    private func clientSends(_ i: Int) -> Bool { !mode.serverSends(index: i, streams: plan.streams) }

    /// bidir's two results beside the total: client to server, then server to client.
    static let directions = ["send", "receive"]

    private func streamError(_ i: Int) -> String? {
        if client[i].errno != 0 && client[i].errno != ECANCELED {
            return "stream \(i): \(Errno(rawValue: client[i].errno).symbol)"
        }
        if let s = server[i], s.status != .success { return s.reason ?? "stream \(i): server side failed" }
        return nil
    }

    /// What one end of a stream counted, summed over streams (jitter: their mean).
    private struct EndCounts {
        var datagrams = 0.0, bytes = 0.0, seconds = 0.0
        var refused = 0.0, outOfOrder = 0.0, jitter = 0.0
    }

    /// The client's loops over `streams`, all one way: the senders of a stream, the receivers
    /// of a reverse one.
    private func clientCounts(_ streams: [Int]) -> EndCounts {
        var c = EndCounts()
        for i in streams {
            c.datagrams += Double(client[i].datagrams)
            c.bytes += Double(client[i].bytes)
            c.seconds = max(c.seconds, client[i].seconds)
            c.refused += Double(client[i].sendsRefused)
            c.outOfOrder += Double(client[i].sequence.outOfOrder)
            c.jitter += client[i].jitterNanos / Double(streams.count)
        }
        return c
    }

    /// The server's halves, when every stream's is there (a broken run may have none).
    private func serverCounts(_ streams: [Int]) -> EndCounts? {
        let sending = !streams.allSatisfy(clientSends)
        var c = EndCounts()
        for i in streams {
            guard let datagrams = serverValue(i, sending ? "datagrams_sent" : "datagrams_received") else { return nil }
            c.datagrams += datagrams
            c.bytes += serverValue(i, sending ? "bytes_sent" : "bytes") ?? 0
            c.seconds = max(c.seconds, serverValue(i, "duration") ?? 0)
            c.refused += serverValue(i, "sends_refused") ?? 0
            c.outOfOrder += serverValue(i, "out_of_order") ?? 0
            c.jitter += (serverValue(i, "jitter") ?? 0) / Double(streams.count)
        }
        return c
    }

    /// Stream metrics over `streams`, all one way: what arrived, over the send time, as
    /// netperf's UDP_STREAM reports the receiving side. Without the server's half only the
    /// client's own counts are known, and no loss.
    private func streamMetrics(_ streams: [Int]) -> [Metric] {
        let ours = clientCounts(streams), theirs = serverCounts(streams)
        let (sender, receiver) = streams.allSatisfy(clientSends) ? (Optional(ours), theirs) : (theirs, Optional(ours))
        let seconds = sender?.seconds ?? receiver?.seconds ?? 0
        func rate(_ bytes: Double) -> Double { seconds > 0 ? bytes * 8 / seconds : 0 }
        var m: [Metric] = []
        if let receiver { m.append(Metric("throughput", rate(receiver.bytes), .bitsPerSecond)) }
        if let sender { m.append(Metric("throughput_sent", rate(sender.bytes), .bitsPerSecond)) }
        if let receiver { m.append(Metric("bytes", receiver.bytes, .bytes)) }
        if let sender { m.append(Metric("bytes_sent", sender.bytes, .bytes)) }
        if let receiver { m.append(Metric("bytes_received", receiver.bytes, .bytes)) }
        if let sender { m.append(Metric("datagrams_sent", sender.datagrams, .count)) }
        if let receiver { m.append(Metric("datagrams_received", receiver.datagrams, .count)) }
        if let sender, let receiver {
            let lost = max(0, sender.datagrams - receiver.datagrams)
            m.append(Metric("datagrams_lost", lost, .count))
            m.append(Metric("loss", sender.datagrams > 0 ? lost / sender.datagrams * 100 : 0, .percent))
        }
        if let receiver {
            m.append(Metric("out_of_order", receiver.outOfOrder, .count))
            m.append(Metric("jitter", receiver.jitter, .nanoseconds))
        }
        if let sender { m.append(Metric("sends_refused", sender.refused, .count)) }
        m.append(Metric("duration", seconds, .seconds))
        return m
    }

    /// The round trips of `streams` together.
    private func roundTrips(_ streams: [Int]) -> LatencyHistogram {
        LatencyHistogram(merging: streams.compactMap { client[$0].latency })
    }

    private func transactionMetrics(_ streams: [Int]) -> [Metric] {
        let histogram = roundTrips(streams)
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

    /// Both ways at once (bidir), from the two direction results: what arrived either way over
    /// the longer send time, and the loss over both; each sum only when both ways have it (a
    /// dead server leaves the client's own counts, in the two direction results).
    private func bidirMetrics(_ ways: [BenchResult]) -> [Metric] {
        func sum(_ name: String) -> Double? {
            let values = ways.compactMap { $0.metric(name)?.value }
            return values.count == ways.count ? values.reduce(0, +) : nil
        }
        let seconds = ways.compactMap { $0.metric("duration")?.value }.max() ?? 0
        var m: [Metric] = []
        if let bytes = sum("bytes") {
            m.append(Metric("throughput", seconds > 0 ? bytes * 8 / seconds : 0, .bitsPerSecond))
            m.append(Metric("bytes", bytes, .bytes))
        }
        if let sent = sum("datagrams_sent") { m.append(Metric("datagrams_sent", sent, .count)) }
        if let received = sum("datagrams_received") { m.append(Metric("datagrams_received", received, .count)) }
        if let sent = sum("datagrams_sent"), let lost = sum("datagrams_lost") {
            m.append(Metric("datagrams_lost", lost, .count))
            m.append(Metric("loss", sent > 0 ? lost / sent * 100 : 0, .percent))
        }
        m.append(Metric("duration", seconds, .seconds))
        return m
    }

    /// The results, per socket or direction when there are several, then the total; and for
    /// rr the round trips the total's latency figures come from.
    func build() -> ClientRun {
        var out: [(BenchResult, String?)] = []
        func metrics(_ streams: [Int]) -> [Metric] { mode.isStream ? streamMetrics(streams) : transactionMetrics(streams) }
        func result(_ test: String, _ streams: [Int], _ more: [String: String]) -> BenchResult {
            var r = BenchResult(test: test, tool: "ibbench", transport: .udp, parameters: parameters.merging(more) { $1 },
                                metrics: metrics(streams), started: started)
            r.duration = r.metric("duration")?.value ?? streams.map { client[$0].seconds }.max() ?? 0
            if let e = streams.compactMap(streamError).first { r.status = .error; r.reason = e }
            return r
        }
        func direction(_ i: Int) -> [String: String] {
            mode == .bidir ? ["direction": Self.directions[clientSends(i) ? 0 : 1]] : [:]
        }
        if plan.streams > 1 {
            for i in client.indices {
                out.append((result("\(testID).stream\(i)", [i], ["stream": String(i)].merging(direction(i)) { $1 }), String(i)))
            }
        }
        var ways: [BenchResult] = []
        if mode == .bidir {
            let up = client.indices.filter(clientSends), down = client.indices.filter { !clientSends($0) }
            ways = zip(Self.directions, [up, down]).map { way, streams in
                result("\(testID).\(way)", streams, ["direction": way])
            }
            out += ways.map { ($0, nil) }
        }
        let all = Array(client.indices)
        var total = BenchResult(test: testID, tool: "ibbench", transport: .udp, parameters: parameters,
                                metrics: mode == .bidir ? bidirMetrics(ways) : metrics(all), started: started)
        // The send time: the server's in reverse, as throughput is taken over it.
        let seconds = total.metric("duration")?.value ?? client.map(\.seconds).max() ?? 0
        total.duration = seconds
        var localCPU = CPUTime(), remoteCPU = CPUTime()
        for c in client { localCPU = localCPU + c.cpu }
        for s in server.values {
            remoteCPU = remoteCPU + CPUTime(userNanos: UInt64((s.metric("cpu_user")?.value ?? 0) * 1e9),
                                            systemNanos: UInt64((s.metric("cpu_system")?.value ?? 0) * 1e9))
        }
        let work: CPUTime.Work = mode.isStream
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
        return ClientRun(results: out, roundTrips: mode == .rr ? roundTrips(all) : nil)
    }
}

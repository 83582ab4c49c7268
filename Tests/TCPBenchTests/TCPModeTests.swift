import BenchCore
import Testing
@testable import TCPBench

@Suite(.serialized) struct TCPModeTests {
    @Test(arguments: [TCPMode.stream, .reverse, .bidir])
    func bulkModesMoveWhatTheyCount(mode: TCPMode) throws {
        let server = try TestServer()
        defer { server.stop() }
        var o = server.options(mode)
        o.streams = 2
        let (verdict, results, _) = try runCollecting(TCPRunRequest(test: o))
        #expect(verdict == .passed)
        let total = try #require(results.last)
        #expect(total.test == "ibbench.tcp.\(mode.rawValue)")
        #expect(total.status == .success)
        let perStream = results.dropLast()
        #expect(perStream.count == (mode == .bidir ? 4 : 2))
        for r in perStream {
            let sent = try #require(r.metric("bytes_sent")?.value)
            let received = try #require(r.metric("bytes_received")?.value)
            #expect(sent == received, "\(r.test): every byte sent arrives")
            #expect(received > 0)
            let seconds = try #require(r.metric("duration")?.value)
            let rate = try #require(r.metric("throughput")?.value)
            #expect(abs(rate - received * 8 / seconds) <= rate * 1e-9, "throughput = bytes / time")
            // The engine ends each stream by its own time limit (duration + 10 s); when within
            // it a loaded machine ends a stream is not this test's business.
            #expect(seconds > 0 && seconds < o.duration + 10)
        }
        let sum = perStream.map { $0.metric("bytes_received")!.value }.reduce(0, +)
        #expect(total.metric("bytes_received")?.value == sum)
        #expect(total.metric("cpu_local_system") != nil && total.metric("cpu_remote_system") != nil)
        #expect(total.metric("service_demand_local")?.unit == .microsecondsPerKB)
        if mode == .bidir {
            #expect(total.metric("throughput_sent")!.value > 0 && total.metric("throughput_received")!.value > 0)
        }
    }

    @Test func bytesModeSendsExactlyThatMuch() throws {
        let server = try TestServer()
        defer { server.stop() }
        var o = server.options(.stream)
        o.bytes = 50_000_000
        o.size = 65536
        let (verdict, results, _) = try runCollecting(TCPRunRequest(test: o))
        #expect(verdict == .passed)
        #expect(results.last?.metric("bytes_sent")?.value == 50_000_000)
        #expect(results.last?.metric("bytes_received")?.value == 50_000_000)
    }

    @Test func zeroCopySendsWithSendfile() throws {
        let server = try TestServer()
        defer { server.stop() }
        var o = server.options(.stream)
        o.zeroCopy = true
        o.bytes = 20_000_000
        let (verdict, results, _) = try runCollecting(TCPRunRequest(test: o))
        #expect(verdict == .passed)
        #expect(results.last?.metric("bytes_received")?.value == 20_000_000)
        #expect(results.last?.parameters["zerocopy"] == "1")
    }

    @Test(arguments: [TCPMode.rr, .crr])
    func requestResponseCountsAndTimesTransactions(mode: TCPMode) throws {
        let server = try TestServer()
        defer { server.stop() }
        var o = server.options(mode)
        o.request = 100
        o.response = 2000
        let (verdict, results, _) = try runCollecting(TCPRunRequest(test: o))
        #expect(verdict == .passed)
        let r = try #require(results.last)
        let n = try #require(r.metric("transactions")?.value)
        #expect(n > 10)
        #expect(r.metric("transactions_served")?.value == n, "the server answered every request")
        let tps = try #require(r.metric("transactions_per_second")?.value)
        #expect(abs(tps - n / r.metric("duration")!.value) < 1e-6 * tps)
        let p50 = r.metric("latency_p50")!.value, p99 = r.metric("latency_p99")!.value
        #expect(r.metric("latency_min")!.value <= p50 && p50 <= p99 && p99 <= r.metric("latency_max")!.value)
        #expect(r.metric("latency_p99_9") != nil && r.metric("latency_stddev") != nil)
        // Service demand of a request/response run is per transaction, as netperf gives it.
        let demand = try #require(r.metric("service_demand_per_transaction_local"))
        #expect(demand.unit == .nanoseconds && demand.value > 0)
        #expect(r.metric("service_demand_local") == nil, "no µs/KB of tiny messages")
    }

    @Test func sweepKeepsEverySize() throws {
        let server = try TestServer()
        defer { server.stop() }
        var req = TCPRunRequest(test: server.options(.rr, duration: 0.2))
        req.sweep = 1...8
        let (verdict, results, _) = try runCollecting(req)
        #expect(verdict == .passed)
        #expect(results.map(\.test) == ["ibbench.tcp.rr.1", "ibbench.tcp.rr.2", "ibbench.tcp.rr.4", "ibbench.tcp.rr.8"])
        #expect(results.map { $0.parameters["request"] } == ["1", "2", "4", "8"])
    }

    @Test func repeatReportsMeanAndConfidenceInterval() throws {
        let server = try TestServer()
        defer { server.stop() }
        var req = TCPRunRequest(test: server.options(.stream, duration: 0.3))
        req.repeatCount = 3
        let (verdict, results, _) = try runCollecting(req)
        #expect(verdict == .passed)
        #expect(results.map(\.test) == ["ibbench.tcp.stream.run1", "ibbench.tcp.stream.run2", "ibbench.tcp.stream.run3",
                                        "ibbench.tcp.stream"])
        let s = try #require(results.last)
        let runs = results.dropLast().map { $0.metric("throughput")!.value }
        #expect(abs(s.metric("throughput")!.value - runs.reduce(0, +) / 3) < 1)
        #expect(s.metric("throughput_ci95_low")!.value <= s.metric("throughput")!.value)
        #expect(s.metric("throughput_ci95_high")!.value >= s.metric("throughput")!.value)
        #expect(s.metric("repeats")?.value == 3)
    }

    /// A summary's latency is that of every run's round trips: its slowest is the slowest run's,
    /// not the mean of the runs' slowest.
    @Test func repeatedRoundTripsAreFoldedNotAveraged() throws {
        let server = try TestServer()
        defer { server.stop() }
        var req = TCPRunRequest(test: server.options(.rr, duration: 0.3))
        req.repeatCount = 3
        let (verdict, results, _) = try runCollecting(req)
        #expect(verdict == .passed)
        let runs = results.dropLast()
        let s = try #require(results.last)
        #expect(runs.count == 3 && s.test == "ibbench.tcp.rr")
        #expect(s.metric("latency_max")?.value == runs.compactMap { $0.metric("latency_max")?.value }.max())
        #expect(s.metric("latency_min")?.value == runs.compactMap { $0.metric("latency_min")?.value }.min())
        let p50 = try #require(s.metric("latency_p50")).value
        #expect(runs.contains { $0.metric("latency_p50")!.value <= p50 } && runs.contains { $0.metric("latency_p50")!.value >= p50 })
    }

    @Test func intervalsStreamWhileRunning() throws {
        let server = try TestServer()
        defer { server.stop() }
        var o = server.options(.stream, duration: 1.2)
        o.interval = 0.5
        let (_, _, text) = try runCollecting(TCPRunRequest(test: o))
        let intervals = text.split(separator: "\n").filter { $0.contains("\"event\":\"interval\"") }
        // 0–0.5, 0.5–1.0, and the partial 1.0–1.2.
        #expect(intervals.count == 3)
        #expect(intervals.last?.contains("\"to\":1.2") == true, "\(intervals)")
    }

    @Test func thresholdMissIsAFail() throws {
        let server = try TestServer()
        defer { server.stop() }
        var req = TCPRunRequest(test: server.options(.stream, duration: 0.3))
        req.thresholds = Thresholds(minThroughput: 1e15)
        let (verdict, results, _) = try runCollecting(req)
        #expect(verdict == .thresholdMissed)
        #expect(results.last?.status == .fail)
        #expect(results.last?.reason?.contains("below --expect-min") == true)
    }

    @Test func loopbackRunsAnInProcessServer() throws {
        var o = TCPTestOptions(peer: "ignored")
        o.duration = 0.3
        var req = TCPRunRequest(test: o)
        req.loopback = true
        let (verdict, results, _) = try runCollecting(req)
        #expect(verdict == .passed)
        #expect(results.last?.metric("throughput")!.value ?? 0 > 0)
    }
}

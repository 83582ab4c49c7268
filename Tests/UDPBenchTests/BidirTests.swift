import BenchCore
import Testing
@testable import UDPBench

/// bidir: which socket carries which way, and how the two ways' counts join up.
@Suite struct BidirTests {
    @Test func theSecondHalfOfTheSocketsIsTheServers() {
        #expect(UDPMode.bidir.sockets(streams: 3) == 6)
        #expect((0..<6).map { UDPMode.bidir.serverSends(index: $0, streams: 3) } == [false, false, false, true, true, true])
        #expect(UDPMode.stream.sockets(streams: 3) == 3 && !UDPMode.stream.serverSends(index: 0, streams: 3))
        #expect(UDPMode.reverse.sockets(streams: 3) == 3 && UDPMode.reverse.serverSends(index: 2, streams: 3))
    }

    @Test func aServerChecksTheRateOfItsHalf() {
        let bad = TestPlan(kind: UDPMode.bidir.kind, size: 1470, timeLimit: 20, options: [UDPTestOptions.bitrateOption: "-1"])
        #expect(UDPTestOptions.planProblem(bad) != nil)
    }

    private func loop(datagrams: UInt64, size: UInt64, seconds: Double) -> UDPLoopResult {
        var r = UDPLoopResult()
        r.datagrams = datagrams
        r.bytes = datagrams * size
        r.startNanos = 1_000
        r.endNanos = 1_000 + UInt64(seconds * 1e9)
        return r
    }

    private func serverHalf(_ metrics: [(String, Double)], seconds: Double) -> BenchResult {
        BenchResult(test: "server.udp.bidir", tool: "ibbench", transport: .udp,
                    metrics: metrics.map { Metric($0.0, $0.1, .count) } + [Metric("duration", seconds, .seconds)])
    }

    private func value(_ r: BenchResult, _ name: String) -> Double? { r.metric(name)?.value }

    /// Client to server: 100 sent, 95 arrived. Server to client: 100 sent, 90 arrived, over a
    /// longer send time. Each way is judged by itself; the total adds them up.
    @Test func eachWayHasItsOwnLossAndTheTotalAddsThem() throws {
        var plan = UDPTestOptions(peer: "127.0.0.1")
        plan.mode = .bidir
        plan.size = 1000
        let results = UDPResults(
            mode: .bidir, plan: plan.plan(), bitsPerSecond: 0, testID: "t", started: 0,
            client: [loop(datagrams: 100, size: 1000, seconds: 1.0), loop(datagrams: 90, size: 1000, seconds: 2.0)],
            server: [0: serverHalf([("datagrams_received", 95), ("bytes", 95_000)], seconds: 1.5),
                     1: serverHalf([("datagrams_sent", 100), ("bytes_sent", 100_000)], seconds: 2.0)],
            failure: nil).build().results.map(\.0)
        #expect(results.map(\.test) == ["t.send", "t.receive", "t"], "one stream each way: no per-socket results")
        let (send, receive, total) = (results[0], results[1], results[2])
        #expect(send.parameters["direction"] == "send" && receive.parameters["direction"] == "receive")
        #expect(value(send, "datagrams_lost") == 5 && value(send, "duration") == 1.0, "over the client's send time")
        #expect(value(receive, "datagrams_lost") == 10 && value(receive, "duration") == 2.0, "over the server's")
        #expect(value(total, "datagrams_sent") == 200 && value(total, "datagrams_received") == 185)
        #expect(value(total, "datagrams_lost") == 15 && value(total, "loss") == 7.5)
        #expect(value(total, "bytes") == 185_000)
        #expect(value(total, "throughput") == 185_000 * 8 / 2.0, "both ways' arrivals over the longer send time")
        #expect(total.status == .success)
    }

    /// Without the server's halves (it died), each way keeps what the client counted itself,
    /// and the total claims no sums it cannot make.
    @Test func withoutTheServerEachWayKeepsTheClientsCounts() {
        var plan = UDPTestOptions(peer: "127.0.0.1")
        plan.mode = .bidir
        plan.streams = 2
        let results = UDPResults(
            mode: .bidir, plan: plan.plan(), bitsPerSecond: 0, testID: "t", started: 0,
            client: [40, 50, 60, 70].map { loop(datagrams: $0, size: 1470, seconds: 1) }, server: [:],
            failure: "lost the server").build().results.map(\.0)
        #expect(results.map(\.test) == ["t.stream0", "t.stream1", "t.stream2", "t.stream3", "t.send", "t.receive", "t"])
        #expect(results[0..<4].map { $0.parameters["direction"] } == ["send", "send", "receive", "receive"])
        #expect(value(results[4], "datagrams_sent") == 90 && value(results[4], "datagrams_lost") == nil)
        #expect(value(results[5], "datagrams_received") == 130 && value(results[5], "datagrams_sent") == nil)
        let total = results[6]
        #expect(total.status == .error && total.reason == "lost the server")
        #expect(value(total, "datagrams_sent") == nil && value(total, "loss") == nil && value(total, "throughput") == nil)
    }
}

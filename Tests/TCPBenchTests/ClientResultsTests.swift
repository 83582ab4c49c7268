import BenchCore
import Testing
@testable import TCPBench

/// The results a user sees are made from what each end counted; a count that never came
/// is left out, not filled in from the other end.
@Suite struct ClientResultsTests {
    private func loop(bytes: UInt64, seconds: Double) -> LoopResult {
        var r = LoopResult()
        r.bytes = bytes
        r.startNanos = 1_000_000_000
        r.endNanos = r.startNanos + UInt64(seconds * 1e9)
        return r
    }

    private func serverHalf(stream: Int, bytes: Double, seconds: Double) -> BenchResult {
        BenchResult(test: "server.stream", tool: "ibbench", transport: .tcp, parameters: ["stream": String(stream)],
                    metrics: [Metric("bytes", bytes, .bytes), Metric("duration", seconds, .seconds)])
    }

    private func total(_ mode: TCPMode, client: [LoopResult], server: [Int: BenchResult], failure: String?) throws -> BenchResult {
        let plan = TestPlan(kind: "tcp.\(mode.rawValue)", streams: mode == .bidir ? client.count / 2 : client.count, duration: 1)
        let built = ClientResults(mode: mode, plan: plan, testID: "ibbench.tcp.\(mode.rawValue)", started: 0,
                                  client: client, server: server, failure: failure).build().results
        return try #require(built.last?.0)
    }

    @Test func theServersCountIsWhatArrived() throws {
        let r = try total(.stream, client: [loop(bytes: 1_000_000, seconds: 1)],
                          server: [0: serverHalf(stream: 0, bytes: 900_000, seconds: 0.5)], failure: nil)
        #expect(r.metric("bytes_sent")?.value == 1_000_000)
        #expect(r.metric("bytes_received")?.value == 900_000)
        #expect(r.metric("throughput")?.value == 900_000 * 8 / 0.5)
    }

    /// A dead server: what the client sent is known, what arrived is not.
    @Test func withoutTheServersHalfNothingIsSaidToHaveArrived() throws {
        let r = try total(.stream, client: [loop(bytes: 1_000_000, seconds: 1)], server: [:], failure: "server silent")
        #expect(r.status == .error)
        #expect(r.metric("bytes_sent")?.value == 1_000_000)
        #expect(r.metric("bytes_received") == nil)
        #expect(r.metric("bytes") == nil)
        #expect(r.metric("throughput") == nil)
        #expect(r.metric("duration")?.value == 1)
    }

    /// Bidir without the server's halves: the way back is what the client received; the
    /// way out and the total are unknown.
    @Test func bidirWithoutTheServerKeepsTheWayBack() throws {
        let r = try total(.bidir, client: [loop(bytes: 1_000_000, seconds: 1), loop(bytes: 500_000, seconds: 1)],
                          server: [:], failure: "server silent")
        #expect(r.metric("throughput_received")?.value == 4_000_000)   // 500,000 bytes in 1 s
        #expect(r.metric("throughput_sent") == nil)
        #expect(r.metric("throughput") == nil)
    }
}

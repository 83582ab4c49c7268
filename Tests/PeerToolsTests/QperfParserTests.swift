import BenchCore
import Testing
@testable import PeerTools

@Suite struct QperfParserTests {
    static let outputs: [(String, Double, Double)] = [
        ("qperf-tcp_bw-tcp_lat-default.txt", 2.35e9 * 8, 4.46e3),
        ("qperf-tcp_bw-tcp_lat-t5.txt", 2.43e9 * 8, 5.65e3),
        ("qperf-tcp_bw-tcp_lat-ub.txt", 16.5e9, 6.43e3),
        ("qperf-tcp_bw-tcp_lat-v.txt", 2.3e9 * 8, 4.62e3),
        ("qperf-tcp_bw-tcp_lat-vv.txt", 2.11e9 * 8, 4.82e3),
    ]

    @Test(arguments: outputs)
    func bandwidthAndLatency(file: String, bitsPerSecond: Double, oneWayNanos: Double) throws {
        let results = try QperfOutput.parse(try Fixture.bench(file))
        #expect(results.map(\.test) == ["qperf.tcp_bw", "qperf.tcp_lat"])
        #expect(close(results[0].metric("throughput")?.value, bitsPerSecond))
        #expect(close(results[1].metric("latency_one_way_mean")?.value, oneWayNanos))
        #expect(close(results[1].metric("latency_mean")?.value, 2 * oneWayNanos), "round trip is twice one-way")
    }

    @Test func verboseBlocksAddRatesAndCPU() throws {
        let r = try QperfOutput.parse(try Fixture.bench("qperf-tcp_bw-tcp_lat-vv.txt"))
        #expect(r[0].parameters["size"] == "65536")
        #expect(close(r[0].metric("messages_per_second")?.value, 32_300))
        #expect(r[0].metric("local_cpu_util")?.value == 192)
        #expect(r[1].parameters["size"] == "1")
        #expect(r[1].duration == 2)
    }

    @Test func sweepWithSizesPrinted() throws {
        let r = try QperfOutput.parse(try Fixture.bench("qperf-tcp_bw-tcp_lat-sweep-vu.txt"))
        #expect(r.count == 18)
        #expect(r[0].test == "qperf.tcp_bw.1")
        #expect(r[8].test == "qperf.tcp_bw.65536")
        #expect(r[17].test == "qperf.tcp_lat.65536")
        #expect(close(r[17].metric("latency_one_way_mean")?.value, 16.7e3))
    }

    @Test func sweepSizesComeFromTheCaller() throws {
        let sizes = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536]
        let r = try QperfOutput.parse(try Fixture.bench("qperf-tcp_bw-tcp_lat-sweep.txt"), sweepSizes: sizes)
        #expect(r.map { $0.parameters["size"] } == (sizes + sizes).map { String($0) })
        #expect(r[9].test == "qperf.tcp_lat.1")
        let unnamed = try QperfOutput.parse(try Fixture.bench("qperf-tcp_bw-tcp_lat-sweep.txt"))
        #expect(unnamed[1].test == "qperf.tcp_bw.#2", "no sizes printed or given: numbered in run order")
    }

    @Test func failureIsAnErrorResult() throws {
        let r = try QperfOutput.parse(try Fixture.bench("qperf-fail-no-server.txt"))
        #expect(r.count == 1)
        #expect(r[0].status == .error)
        #expect(r[0].reason == "qperf: tcp_bw: 127.0.0.1: failed to connect")
    }

    @Test(arguments: [
        ("bw = 2 GB/sec\n", "line 1"),
        ("tcp_bw:\n    bw  =  2.35 GiB/fortnight\n", "line 2"),
        ("tcp_bw:\n    msg_rate = 3 K/sec\n", "\"bw =\" or \"latency =\""),
    ])
    func badOutputNamesLine(text: String, message: String) throws {
        let error = try #require(throws: PeerToolError.self) { try QperfOutput.parse(text) }
        #expect(error.description.hasPrefix("qperf output"))
        #expect(error.description.contains(message), "\(error)")
    }
}

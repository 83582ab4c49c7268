import BenchCore
import Testing
@testable import PeerTools

/// One fixture and what its result must say.
struct NetperfCase: CustomTestStringConvertible, Sendable {
    let file: String
    let test: String
    let metric: String
    let value: Double
    var testDescription: String { file }
}

@Suite struct NetperfParserTests {
    static let cases: [NetperfCase] = [
        .init(file: "netperf-tcp_stream-default.txt", test: "netperf.TCP_STREAM", metric: "throughput", value: 14649.85e6),
        .init(file: "netperf-tcp_stream-P0.txt", test: "netperf.TCP_STREAM", metric: "throughput", value: 15737.37e6),
        .init(file: "netperf-tcp_stream-l5.txt", test: "netperf.TCP_STREAM", metric: "throughput", value: 16912.90e6),
        .init(file: "netperf-tcp_stream-m65536.txt", test: "netperf.TCP_STREAM", metric: "throughput", value: 18380.94e6),
        .init(file: "netperf-tcp_stream-cpu.txt", test: "netperf.TCP_STREAM", metric: "service_demand_local", value: 0.770),
        .init(file: "netperf-tcp_maerts-default.txt", test: "netperf.TCP_MAERTS", metric: "throughput", value: 21738.61e6),
        .init(file: "netperf-tcp_rr-default.txt", test: "netperf.TCP_RR", metric: "transactions_per_second", value: 39123.73),
        .init(file: "netperf-udp_stream-default.txt", test: "netperf.UDP_STREAM", metric: "throughput", value: 51689.80e6),
        .init(file: "netperf-udp_stream-m1472.txt", test: "netperf.UDP_STREAM", metric: "throughput_sent", value: 4445.60e6),
        .init(file: "netperf-omni-csv-default.txt", test: "netperf.TCP_STREAM", metric: "throughput", value: 22148.06e6),
        .init(file: "netperf-omni-csv-selectors.txt", test: "netperf.TCP_STREAM", metric: "throughput", value: 22446.95e6),
        .init(file: "netperf-omni-human-default.txt", test: "netperf.TCP_STREAM", metric: "throughput", value: 21467.99e6),
        .init(file: "netperf-omni-human-selectors.txt", test: "netperf.TCP_STREAM", metric: "throughput", value: 18726.39e6),
        .init(file: "netperf-omni-keyval-default.txt", test: "netperf.TCP_STREAM", metric: "throughput", value: 17320.21e6),
        .init(file: "netperf-omni-keyval-selectors.txt", test: "netperf.TCP_STREAM", metric: "throughput", value: 18211.48e6),
        .init(file: "netperf-omni-keyval-all.txt", test: "netperf.TCP_STREAM", metric: "throughput", value: 21040.42e6),
        .init(file: "netperf-omni-tcp_rr-keyval-latency.txt", test: "netperf.TCP_RR", metric: "latency_p99", value: 144_000),
        .init(file: "netperf-omni-tcp_rr-csv-latency.txt", test: "netperf.TCP_RR", metric: "latency_mean", value: 15_320),
        .init(file: "netperf-omni-tcp_rr-human-latency.txt", test: "netperf.TCP_RR", metric: "transactions_per_second", value: 54269.903),
        .init(file: "netperf-tcp_stream-confidence.txt", test: "netperf.TCP_STREAM", metric: "throughput_confidence_width", value: 14.690),
        .init(file: "netperf-omni-csv-confidence.txt", test: "netperf.TCP_STREAM", metric: "throughput_confidence_width", value: 22.101),
        .init(file: "netperf-tcp_stream-demo-D1.txt", test: "netperf.TCP_STREAM", metric: "throughput_interim_min", value: 17766.39e6),
        .init(file: "netperf-tcp_rr-demo-D1.txt", test: "netperf.TCP_RR", metric: "transactions_per_second", value: 13282.85),
    ]

    @Test(arguments: cases)
    func parsesFixture(_ c: NetperfCase) throws {
        let results = try NetperfOutput.parse(try Fixture.bench(c.file))
        #expect(results.count == 1)
        let r = try #require(results.first)
        #expect(r.test == c.test)
        #expect(r.tool == "netperf")
        #expect(r.status == .success)
        let m = try #require(r.metric(c.metric), "\(c.metric) in \(r.metrics.map(\.name))")
        #expect(abs(m.value - c.value) <= abs(c.value) * 1e-9)
    }

    @Test func classicStreamCarriesSizesAndDuration() throws {
        let r = try #require(try NetperfOutput.parse(try Fixture.bench("netperf-tcp_stream-m65536.txt")).first)
        #expect(r.parameters["send_size"] == "65536")
        #expect(r.parameters["remote_recv_socket_size"] == "131072")
        #expect(r.parameters["peer"] == "127.0.0.1")
        #expect(r.duration == 10.00)
        #expect(r.metric("throughput")?.unit == .bitsPerSecond)
    }

    @Test func omniLatenciesAreNanosecondsRoundTrip() throws {
        let r = try #require(try NetperfOutput.parse(try Fixture.bench("netperf-omni-tcp_rr-keyval-latency.txt")).first)
        #expect(r.metric("latency_min") == Metric("latency_min", 6_000, .nanoseconds))
        #expect(r.metric("latency_max")?.value == 9_154_000)
        #expect(r.metric("latency_stddev")?.value == 64_310)
        #expect(r.metric("transactions_per_second")?.value == 16759.418)
    }

    @Test func humanColumnsMatchCSVColumns() throws {
        let human = try #require(try NetperfOutput.parse(try Fixture.bench("netperf-omni-human-selectors.txt")).first)
        #expect(human.parameters["send_size"] == "16384")
        #expect(human.parameters["protocol"] == "TCP")
        #expect(human.parameters["direction"] == "Send")
        #expect(human.parameters["confidence_level"] == nil, "level 0 means no confidence iteration")
    }

    @Test func confidenceWarningIsRecorded() throws {
        let r = try #require(try NetperfOutput.parse(try Fixture.bench("netperf-tcp_stream-confidence.txt")).first)
        #expect(r.parameters["confidence_level"] == "99")
        #expect(r.parameters["confidence_half_width"] == "2.500")
        #expect(r.parameters["confidence_achieved"] == "no")
        #expect(close(r.metric("throughput")?.value, 17086.17e6))
    }

    @Test func interimResultsAreSummarised() throws {
        let r = try #require(try NetperfOutput.parse(try Fixture.bench("netperf-tcp_stream-demo-D1.txt")).first)
        #expect(r.parameters["interim_results"] == "9")
        #expect(close(r.metric("throughput_interim_max")?.value, 21595.89e6))
        #expect(close(r.metric("throughput")?.value, 20464.99e6))
    }

    @Test func udpStreamReportsLoss() throws {
        let r = try #require(try NetperfOutput.parse(try Fixture.bench("netperf-udp_stream-default.txt")).first)
        #expect(r.transport == .udp)
        #expect(r.metric("messages_sent")?.value == 1_409_718)
        #expect(r.metric("messages_received")?.value == 986_353)
        let loss = try #require(r.metric("loss")?.value)
        #expect(abs(loss - 30.0317) < 0.001)
    }

    @Test func connectionFailureIsAnErrorResult() throws {
        let r = try #require(try NetperfOutput.parse(try Fixture.bench("netperf-fail-no-server.txt")).first)
        #expect(r.status == .error)
        #expect(r.reason?.contains("are you sure there is a netserver listening") == true)
    }

    @Test func selectorListIsNotAResult() throws {
        #expect(throws: PeerToolError.self) { try NetperfOutput.parse(try Fixture.bench("netperf-omni-selector-list.txt")) }
    }

    @Test(arguments: [
        ("", "no result found"),
        ("MIGRATED TCP STREAM TEST from 0.0.0.0 (0.0.0.0) port 0 AF_INET to 127.0.0.1 () port 0 AF_INET\nRecv   Send    Send\n131072  16384  oops    10.00    15737.37\n",
         "output line 3: unexpected \"131072  16384  oops    10.00    15737.37\""),
        ("Throughput,Throughput Units\n1,2,3\n", "output line 2"),
        ("22446.95,10^6bits/s,10.00\n", "expected the CSV header line"),
        ("THROUGHPUT=12\nTHROUGHPUT_UNITS=furlongs/s\n", "expected throughput units"),
    ])
    func badOutputNamesLineAndExpectation(text: String, message: String) throws {
        let error = try #require(throws: PeerToolError.self) { try NetperfOutput.parse(text) }
        #expect(error.description.hasPrefix("netperf output"))
        #expect(error.description.contains(message), "\(error)")
    }
}

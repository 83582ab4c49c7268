import BenchCore
import Testing
@testable import PeerTools

@Suite struct PerftestParserTests {
    static let mib = 8.0 * 1024 * 1024

    @Test func writeBandwidthIsMiBPerSecond() throws {
        let r = try PerftestOutput.parse(try Fixture.perftest("ib_write_bw.txt"))
        #expect(r.count == 1)
        #expect(r[0].test == "perftest.ib_write_bw")
        #expect(r[0].transport == .rdma)
        #expect(close(r[0].metric("throughput")?.value, 18.68 * Self.mib))
        #expect(close(r[0].metric("throughput_peak")?.value, 37.02 * Self.mib))
        #expect(close(r[0].metric("messages_per_second")?.value, 299))
        #expect(r[0].parameters["size"] == "65536")
        #expect(r[0].parameters["device"] == "rxe0")
        #expect(r[0].parameters["connection_type"] == "RC")
        #expect(r[0].parameters["mtu"] == "4096")
    }

    @Test func gbitsReportIsDecimalBits() throws {
        let r = try PerftestOutput.parse(try Fixture.perftest("ib_write_bw-gbits.txt"))
        #expect(close(r[0].metric("throughput")?.value, 0.10e9))
    }

    @Test func sendLatencyIsOneWayDoubledToRoundTrip() throws {
        let r = try PerftestOutput.parse(try Fixture.perftest("ib_send_lat.txt"))
        #expect(r[0].test == "perftest.ib_send_lat")
        #expect(close(r[0].metric("latency_one_way_mean")?.value, 22_400))
        #expect(close(r[0].metric("latency_mean")?.value, 44_800))
        #expect(close(r[0].metric("latency_p50")?.value, 2 * 20_470))
        #expect(close(r[0].metric("latency_p99_9")?.value, 2 * 187_330))
    }

    @Test func sweepKeepsEverySize() throws {
        let bw = try PerftestOutput.parse(try Fixture.perftest("ib_write_bw-sweep.txt"))
        #expect(bw.count == 23)
        #expect(bw.first?.test == "perftest.ib_write_bw.2")
        #expect(bw.last?.test == "perftest.ib_write_bw.8388608")
        let lat = try PerftestOutput.parse(try Fixture.perftest("ib_send_lat-sweep.txt"))
        #expect(lat.count == 23)
        #expect(lat.last?.metric("latency_stddev") == nil, "-nan is left out, not a number")
        #expect(lat.last?.metric("latency_mean") != nil)
    }

    @Test(arguments: ["ib_write_lat.txt", "ib_send_bw.txt"])
    func otherPrograms(file: String) throws {
        let r = try PerftestOutput.parse(try Fixture.perftest(file))
        #expect(r.count == 1)
        #expect(r[0].status == .success)
        #expect(r[0].test == "perftest." + file.dropLast(4))
    }

    @Test func invalidJSONFromPerftestIsRead() throws {
        let bw = try PeerOutput.parse(.perftest, try Fixture.perftest("ib_write_bw-out_json.json"))
        #expect(bw[0].test == "perftest.ib_write_bw")
        #expect(close(bw[0].metric("throughput")?.value, 16.66 * Self.mib))
        #expect(bw[0].parameters["device"] == "rxe0")
        let lat = try PeerOutput.parse(.perftest, try Fixture.perftest("ib_send_lat-out_json.json"))
        #expect(close(lat[0].metric("latency_mean")?.value, 2 * 21_010))
        #expect(close(lat[0].metric("latency_p99_9")?.value, 2 * 78_840))
    }

    @Test func failureIsAnErrorResult() throws {
        let r = try PerftestOutput.parse(try Fixture.perftest("ib_write_bw-fail-no-server.txt"))
        #expect(r[0].status == .error)
        #expect(r[0].reason == "perftest: Unable to perform rdma_client function")
    }

    @Test func truncatedJSONNamesTheLine() throws {
        let text = String(try Fixture.perftest("ib_send_lat-out_json.json").prefix(200))
        let error = try #require(throws: PeerToolError.self) { try PerftestJSON.parse(text) }
        #expect(error.description.hasPrefix("perftest output line "))
    }

    @Test func unparseableOutputBecomesAnErrorResultNotACrash() {
        let r = PeerOutput.results(.perftest, "hello\n#bytes #iterations\n 65536 x\n")
        #expect(r.count == 1)
        #expect(r[0].status == .error)
        #expect(r[0].reason?.hasPrefix("perftest output line 3: unexpected \" 65536 x\"") == true)
    }
}

import BenchCore
import Testing
@testable import PeerTools

@Suite struct Iperf3ParserTests {
    @Test(arguments: [
        ("iperf3-tcp-json.txt", "iperf3.tcp", 24712657775.689022),
        ("iperf3-tcp-json-P2.txt", "iperf3.tcp", 25142202330.98518),
        ("iperf3-udp-json-b1G.txt", "iperf3.udp", 985520110.7618153),
        ("iperf3-tcp-default.txt", "iperf3.tcp", 24.3e9),
        ("iperf3-tcp-reverse.txt", "iperf3.tcp.reverse", 24.5e9),
        ("iperf3-tcp-P2.txt", "iperf3.tcp", 21.1e9),
        ("iperf3-tcp-zerocopy.txt", "iperf3.tcp", 17.7e9),
        ("iperf3-udp-b1G.txt", "iperf3.udp", 991e6),
    ])
    func throughputIsWhatArrived(file: String, test: String, bitsPerSecond: Double) throws {
        let results = try PeerOutput.parse(.iperf3, try Fixture.bench(file))
        let r = try #require(results.first)
        #expect(results.count == 1)
        #expect(r.test == test)
        #expect(r.status == .success)
        #expect(close(r.metric("throughput")?.value, bitsPerSecond))
    }

    @Test func jsonCarriesStreamsRetransmitsAndCPU() throws {
        let r = try #require(try Iperf3JSON.parse(try Fixture.bench("iperf3-tcp-json-P2.txt")).first)
        #expect(r.parameters["streams"] == "2")
        #expect(r.parameters["send_size"] == "131072")
        #expect(r.parameters["peer"] == "127.0.0.1")
        #expect(close(r.metric("throughput_sent")?.value, 25156039662.652657))
        #expect(r.metric("bytes")?.value == 31440896000)
        #expect(r.metric("retransmits")?.value == 0)
        #expect(r.started == 1795579802)
    }

    @Test func udpJSONReportsJitterAndLoss() throws {
        let r = try #require(try Iperf3JSON.parse(try Fixture.bench("iperf3-udp-json-b1G.txt")).first)
        #expect(r.transport == .udp)
        #expect(close(r.metric("jitter")?.value, 0.0119512195476015e6))
        #expect(r.metric("datagrams_lost")?.value == 527)
        #expect(close(r.metric("loss")?.value, 1.3817152145984637))
    }

    @Test func textUsesBinaryBytesAndDecimalBits() throws {
        let r = try #require(try Iperf3Text.parse(try Fixture.bench("iperf3-tcp-default.txt")).first)
        #expect(close(r.metric("bytes")?.value, 28.3 * 1024 * 1024 * 1024))
        #expect(r.metric("retransmits")?.value == 104)
        #expect(r.duration == 10.0)
        let udp = try #require(try Iperf3Text.parse(try Fixture.bench("iperf3-udp-b1G.txt")).first)
        #expect(udp.metric("datagrams_lost")?.value == 345)
        #expect(udp.metric("datagrams_sent")?.value == 38141)
        #expect(close(udp.metric("jitter")?.value, 38_000))
        let p2 = try #require(try Iperf3Text.parse(try Fixture.bench("iperf3-tcp-P2.txt")).first)
        #expect(p2.parameters["streams"] == "2")
    }

    @Test(arguments: ["iperf3-fail-no-server-json.txt", "iperf3-fail-no-server.txt"])
    func failureIsAnErrorResultEvenWithExitZero(file: String) throws {
        let r = try #require(try PeerOutput.parse(.iperf3, try Fixture.bench(file)).first)
        #expect(r.status == .error)
        #expect(r.reason?.contains("unable to connect to server: Connection refused") == true)
    }

    @Test func truncatedJSONNamesTheLine() throws {
        let text = String(try Fixture.bench("iperf3-tcp-json.txt").prefix(400))
        let error = try #require(throws: PeerToolError.self) { try Iperf3JSON.parse(text) }
        #expect(error.description.hasPrefix("iperf3 output line "))
        #expect(error.description.contains("expected iperf3 --json output"))
    }

    @Test func textWithoutSummaryIsRejected() throws {
        let error = try #require(throws: PeerToolError.self) {
            try Iperf3Text.parse("Connecting to host 127.0.0.1, port 5201\n")
        }
        #expect(error.description.contains("sender"))
    }
}

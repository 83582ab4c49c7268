import BenchCore
import Testing
@testable import PeerTools

/// Damaged tool outputs that crashed a parser, held it for seconds or gave a result with an
/// infinite value (which `--format json` cannot write), found by `scripts/fuzz` or by reading
/// the parsers and then confirmed with its targets (each trimmed to the lines that matter).
/// A parser refuses such output, naming the line, or keeps only what is finite.
@Suite struct DamagedOutputTests {
    struct Damaged: Sendable, CustomTestStringConvertible {
        let what: String
        let tool: PeerTool
        let text: String
        /// What the error says; nil when the output must parse.
        let refusal: String?
        var testDescription: String { what }
    }

    static let netperfStreamHeader = """
        MIGRATED TCP STREAM TEST from 0.0.0.0 (0.0.0.0) port 0 AF_INET to 127.0.0.1 () port 0 AF_INET
        Recv   Send    Send
        Socket Socket  Message  Elapsed
        Size   Size    Size     Time     Throughput
        bytes  bytes   bytes    secs.    10^6bits/sec

        """

    static let perftestJSON = """
        {
         test_info: {
          test: RDMA_Write_BW_Test,
         },
         results: {
          MsgSize: SIZE,
          BW_average: 1.5,
          MsgRate: RATE,
         },
        }

        """

    static let infiniteMessageRate = Damaged(
        what: "perftest JSON message rate that Double reads as infinity", tool: .perftest,
        text: perftestJSON.replacing("SIZE", with: "65536").replacing("RATE", with: "0.1e3087"), refusal: nil)
    static let infiniteCPU = Damaged(
        what: "iperf3 JSON CPU utilisation that Double reads as infinity", tool: .iperf3,
        text: #"{"end":{"sum_received":{"bits_per_second":1e9},"cpu_utilization_percent":{"host_total":43.1e308}}}"#,
        refusal: nil)

    static let cases: [Damaged] = [
        Damaged(what: "iperf3 summary line without the ] of its stream id", tool: .iperf3,
                text: "- - - - - - - - - - - - - - - - - - - - - - - - -\n[  5 0.00-10.00 sec 28.3 GBytes 24.3 Gbits/sec receiver\n",
                refusal: "iperf3 output line 2: unexpected \"[  5 0.00-10.00"),
        Damaged(what: "netperf socket size beyond any Int", tool: .netperf,
                text: netperfStreamHeader + "1e30  16384  16384    10.01    14649.85\n",
                refusal: "netperf output line 6: unexpected \"1e30  16384  16384    10.01    14649.85\", expected socket and message sizes in bytes"),
        Damaged(what: "netperf omni send size beyond any Int", tool: .netperf,
                text: "THROUGHPUT=1\nLOCAL_SEND_SIZE=1e30\n",
                refusal: "expected LOCAL_SEND_SIZE as a whole number"),
        Damaged(what: "netperf throughput that overflows once scaled to bit/s", tool: .netperf,
                text: "THROUGHPUT=1e300\nTHROUGHPUT_UNITS=GBytes/s\n",
                refusal: "netperf output: no result found"),
        Damaged(what: "netperf transaction rate whose inverse overflows", tool: .netperf,
                text: "16384  131072 1        1       10.00    4.9e-324\n",
                refusal: "netperf output line 1"),
        Damaged(what: "netperf -O columns under more title lines than netperf prints", tool: .netperf,
                text: String(repeating: "x\n", count: 20_000) + Array(repeating: "1", count: 20_000).joined(separator: " ") + "\n",
                refusal: "netperf output line 1: unexpected \"x\", expected a netperf result table (classic, or -O columns under at most 4 title lines)"),
        Damaged(what: "qperf message size beyond any Int", tool: .qperf,
                text: "tcp_lat:\n    latency   =  5.27 us\n    msg_size  =  1e30 bytes\n",
                refusal: "qperf output line 3: unexpected \"    msg_size  =  1e30 bytes\", expected a message size"),
        Damaged(what: "qperf latency that overflows once doubled to a round trip", tool: .qperf,
                text: "tcp_lat:\n    latency   =  1e308 us\n",
                refusal: "expected a \"bw =\" or \"latency =\" line"),
        Damaged(what: "perftest #bytes beyond any Int", tool: .perftest,
                text: """
                                    RDMA_Write BW Test
                 #bytes     #iterations    BW peak[MB/sec]    BW average[MB/sec]   MsgRate[Mpps]
                 1e30       200              37.02              18.68  		   0.000299

                """,
                refusal: "perftest output line 3: unexpected \" 1e30 "),
        Damaged(what: "perftest JSON MsgSize beyond any Int", tool: .perftest,
                text: perftestJSON.replacing("SIZE", with: "1e30").replacing("RATE", with: "0.1"),
                refusal: "results.MsgSize, a whole number"),
        infiniteMessageRate,
        infiniteCPU,
        Damaged(what: "JSON nested deeper than the stack holds", tool: .iperf3,
                text: #"{"a":"# + String(repeating: "[", count: 100_000),
                refusal: "expected iperf3 --json output (at most 100 levels of nested objects and arrays)"),
    ]

    // The -O case took seconds per 100 KB and grew with the square of the size.
    @Test(.timeLimit(.minutes(1)), arguments: cases)
    func isRefusedOrKeepsOnlyFiniteValues(_ d: Damaged) throws {
        if let refusal = d.refusal {
            let error = try #require(throws: PeerToolError.self) { try PeerOutput.parse(d.tool, d.text) }
            #expect(error.description.contains(refusal), "\(error)")
        } else {
            let results = try PeerOutput.parse(d.tool, d.text)
            #expect(!results.isEmpty)
            for r in results {
                for m in r.metrics { #expect(m.value.isFinite, "\(r.test): \(m.name) = \(m.value)") }
            }
        }
    }

    @Test func infiniteValuesAreLeftOutNotTheResult() throws {
        let perftest = try #require(try PeerOutput.parse(.perftest, Self.infiniteMessageRate.text).first)
        #expect(perftest.metric("throughput") != nil)
        #expect(perftest.metric("messages_per_second") == nil)
        let iperf3 = try #require(try PeerOutput.parse(.iperf3, Self.infiniteCPU.text).first)
        #expect(iperf3.metric("throughput")?.value == 1e9)
        #expect(iperf3.metric("local_cpu_util") == nil)
    }

    @Test func jsonNestedAsDeepAsAllowedStillParses() {
        let levels = LenientJSONParser.maxDepth - 1  // inside the outer object
        let text = #"{"a":"# + String(repeating: "[", count: levels) + String(repeating: "]", count: levels) + "}"
        let error = #expect(throws: PeerToolError.self) { try Iperf3JSON.parse(text) }
        #expect(error?.description.contains("no result found") == true, "\(String(describing: error))")
    }
}

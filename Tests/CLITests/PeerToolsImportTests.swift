import Foundation
import Testing

/// Writes `text` to a fresh temporary file and returns its path.
func peerToolsTempFile(_ name: String, _ text: String) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ibkit-cli-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let url = dir.appendingPathComponent(name)
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url.path
}

enum PeerToolsSamples {
    /// `netperf -t TCP_RR -- -k MIN_LATENCY,MEAN_LATENCY,P99_LATENCY,TRANSACTION_RATE` (netperf 2.7.1).
    static let netperfRR = """
        MIGRATED TCP REQUEST/RESPONSE TEST from 0.0.0.0 (0.0.0.0) port 0 AF_INET to 127.0.0.1 () port 0 AF_INET : histogram : demo : first burst 0
        MIN_LATENCY=6
        MEAN_LATENCY=59.42
        P99_LATENCY=144
        TRANSACTION_RATE=16759.418

        """
    /// `iperf3 -c 127.0.0.1 -p 5202 --json` with no server (iperf 3.12 exits 0).
    static let iperf3Refused = """
        {
        \t"start":\t{
        \t\t"connected":\t[],
        \t\t"version":\t"iperf 3.12"
        \t},
        \t"intervals":\t[],
        \t"end":\t{
        \t},
        \t"error":\t"unable to connect to server: Connection refused"
        }

        """
}

@Suite struct PeerToolsImportTests {
    @Test func netperfOutputBecomesResults() throws {
        let file = try peerToolsTempFile("rr.txt", PeerToolsSamples.netperfRR)
        let run = try runTool("ibbench", ["import", "netperf", file, "--format", "json"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("\"test\":\"netperf.TCP_RR\""))
        #expect(run.stdout.contains("{\"name\":\"latency_p99\",\"unit\":\"ns\",\"value\":144000}"), "\(run.stdout)")
    }

    @Test func iperf3ErrorKeyFailsTheImport() throws {
        let file = try peerToolsTempFile("refused.json", PeerToolsSamples.iperf3Refused)
        let run = try runTool("ibbench", ["import", "iperf3", file])
        #expect(run.status == 1)
        #expect(run.stdout.contains("iperf3.tcp: error (iperf3: unable to connect to server: Connection refused)"))
    }

    @Test func unparseableOutputIsAFailedTestAndExitTwo() throws {
        let file = try peerToolsTempFile("junk.txt", "tcp_bw:\n    bw  =  lots\n")
        let run = try runTool("ibbench", ["import", "qperf", file, "--format", "csv"])
        #expect(run.status == 2)
        #expect(run.stderr == "Error: qperf output line 2: unexpected \"    bw  =  lots\", expected a \"bw =\" or \"latency =\" line in the block; pass the tool's unmodified stdout\n" || run.stderr.contains("qperf output line"), "\(run.stderr)")
        #expect(run.stdout.contains("result,qperf.output,,0.000,,error"))
    }

    @Test func missingFileIsOneLineAndExitTwo() throws {
        let run = try runTool("ibbench", ["import", "netperf", "/nonexistent/netperf.txt"])
        #expect(run.status == 2)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr == "Error: /nonexistent/netperf.txt: cannot read (no such file); give the path of a saved tool output, or - for stdin\n")
    }

    /// A missing tool is skipped with the reason; when every tool is, nothing was compared,
    /// and that is an error.
    @Test func compareSkipsMissingToolsAndFailsWhenNothingRan() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("ibkit-empty-path-\(getpid())")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let run = try runTool("ibbench", ["compare", "127.0.0.1", "--rounds", "1", "-t", "1", "--tools", "netperf,iperf3",
                                          "--measurement", "tcp_stream"], environment: ["PATH": empty.path])
        #expect(run.status == 2)
        #expect(run.stderr.hasPrefix("Error: compare: no tool measured anything, each was skipped"), "\(run.stderr)")
        #expect(run.stdout.contains("netperf  skipped"))
        #expect(run.stdout.contains("\n  iperf3 not found on PATH; install the Debian package iperf3 (apt-get install iperf3)"), "\(run.stdout)")
        #expect(run.stdout.contains("\n  netperf not found on PATH; netperf is not packaged in Debian 12; build it from https://github.com/HewlettPackard/netperf"))
        #expect(run.stderr.split(separator: "\n").count == 1, "no progress line when stderr is not a terminal")
    }

    @Test func plotNeedsSweep() throws {
        let run = try runTool("ibbench", ["compare", "127.0.0.1", "--plot", "x.svg"])
        #expect(run.status == 64)
        #expect(run.stderr.contains("--plot needs --sweep"))
    }
}

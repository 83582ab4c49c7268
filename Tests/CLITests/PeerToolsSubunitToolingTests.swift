import Foundation
import TestProcesses
import Testing

/// Runs a Python tool from .venv with `stdin` as input, in `directory`.
func runVenvTool(_ name: String, _ arguments: [String], stdin: URL, directory: URL) throws -> ToolRun {
    try PythonTools.run(name == "python" ? try #require(PythonTools.python) : try PythonTools.require(name), arguments,
                        input: .file(stdin), directory: directory)
}

/// A subunit stream from ibbench (imports that pass and fail, and a compare run whose tools
/// are missing) through the real python-subunit tools and stestr.
@Suite(.serialized, .timeLimit(.minutes(2)), .enabled(if: PythonTools.available || PythonTools.required, Comment(rawValue: PythonTools.reason)))
struct PeerToolsSubunitToolingTests {
    let work: URL
    let stream: URL

    init() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("ibkit-subunit-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let rr = try peerToolsTempFile("rr.txt", PeerToolsSamples.netperfRR)
        let refused = try peerToolsTempFile("refused.json", PeerToolsSamples.iperf3Refused)
        // Subunit v2 is binary: keep ibbench's stdout as raw bytes, never decoded as text.
        let ibbench = productPath("ibbench")
        var bytes = Data()
        bytes += try runProcess(ibbench, ["import", "netperf", rr, "--format", "subunit"], directory: work).output
        bytes += try runProcess(ibbench, ["import", "iperf3", refused, "--format", "subunit"], directory: work).output
        bytes += try runProcess(ibbench, ["compare", "127.0.0.1", "--rounds", "1", "-t", "1", "--tools", "iperf3",
                                          "--measurement", "tcp_stream", "--format", "subunit"],
                                environment: ["PATH": work.path], directory: work).output
        stream = work.appendingPathComponent("run.subunit")
        try bytes.write(to: stream)
    }

    /// The tests in the stream: netperf passes, iperf3 fails, and the missing iperf3 of the
    /// compare run is skipped (its run and its summary).
    static let expected = [("netperf", "TCP_RR", "pass"), ("iperf3", "tcp", "fail"),
                           ("iperf3", "tcp_stream", "skip"), ("compare.tcp_stream", "iperf3", "skip")]

    @Test func junitHasOneTestCasePerMeasurementWithPassFail() throws {
        let run = try runVenvTool("subunit2junitxml", [], stdin: stream, directory: work)
        #expect(run.status == 1, "a failed test makes subunit2junitxml exit 1")
        #expect(run.stdout.hasPrefix("<testsuite"), "no stray bytes before the XML: \(run.stdout.prefix(80))")
        #expect(run.stdout.contains("tests=\"4\""))
        #expect(run.stdout.contains("failures=\"1\""))
        for (classname, name, outcome) in Self.expected {
            let open = "<testcase classname=\"\(classname)\" name=\"\(name)\""
            #expect(run.stdout.contains(open), "\(open) in \(run.stdout)")
            let after = run.stdout.components(separatedBy: open).last ?? ""
            let body = after.components(separatedBy: "<testcase").first ?? ""
            switch outcome {
            case "fail": #expect(body.contains("<failure") && body.contains("Connection refused"))
            case "skip": #expect(body.contains("<skipped>") && body.contains("not found on PATH"))
            default: #expect(!body.contains("<failure") && !body.contains("<skipped"))
            }
        }
    }

    @Test func subunitStatsCountsTheRun() throws {
        let run = try runVenvTool("subunit-stats", [], stdin: stream, directory: work)
        #expect(run.stdout.contains("Total tests:       4"), "\(run.stdout)")
        #expect(run.stdout.contains("Passed tests:      1"))
        #expect(run.stdout.contains("Failed tests:      1"))
        #expect(run.stdout.contains("Skipped tests:     2"))
        #expect(run.status == 1)
    }

    @Test func subunitTraceShowsEachTest() throws {
        // subunit-trace (os-testr's script, and stestr's module alike) uses subunit.test_results
        // without importing it, which python-subunit 1.4 no longer does for it; import it first.
        let trace = "import sys, subunit.test_results; from stestr.subunit_trace import main; sys.exit(main())"
        let run = try runVenvTool("python", ["-c", trace, "--no-summary"], stdin: stream, directory: work)
        #expect(run.stdout.contains("netperf.TCP_RR"), "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("iperf3.tcp"))
        #expect(run.stdout.contains("FAILED"))
        #expect(run.stdout.contains("SKIPPED"))
    }

    @Test func stestrStoresAndShowsTheRun() throws {
        let dir = work.appendingPathComponent("repo")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let empty = work.appendingPathComponent("empty")
        FileManager.default.createFile(atPath: empty.path, contents: Data())
        let initRun = try runVenvTool("stestr", ["init"], stdin: empty, directory: dir)
        #expect(initRun.status == 0, "\(initRun.stderr)")
        let load = try runVenvTool("stestr", ["load"], stdin: stream, directory: dir)
        #expect(load.stdout.contains("Ran 4 tests") || load.stdout.contains("Ran 4"), "\(load.stdout)\(load.stderr)")
        #expect(load.stdout.contains("FAILED (id=0, failures=1, skips=2)"), "\(load.stdout)")
        let last = try runVenvTool("stestr", ["last"], stdin: empty, directory: dir)
        #expect(last.status == 1, "a failed test makes stestr last exit 1")
        #expect(last.stdout.contains("netperf.TCP_RR"))
        #expect(last.stdout.contains("... ok"))
        #expect(last.stdout.contains("iperf3.tcp"))
        #expect(last.stdout.contains(" - Failed: 1"), "\(last.stdout)")
    }
}

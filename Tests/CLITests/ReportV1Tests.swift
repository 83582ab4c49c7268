import Foundation
import Subunit
import Testing
import TestProcesses

/// Subunit v1 streams written as older runners write them, in `Fixtures/v1`.
enum V1Fixtures {
    static let directory = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/v1")
    static let compareScript = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/v1compare.py")

    static let names = ["statuses", "details", "multipart", "tags-time", "interleaved", "no-time",
                        "truncated-test", "truncated-details", "truncated-multipart"]

    static func path(_ name: String) -> String { directory.appendingPathComponent("\(name).v1").path }

    static func bytes(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path(name)))) }
}

@Suite struct ReportV1Tests {
    @Test func tableShowsV1Tests() throws {
        let run = try runReport([V1Fixtures.path("statuses")])
        #expect(run.status == 1, "failures in it: \(run.stderr)")
        #expect(run.stderr.isEmpty)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("TEST") == true)
        #expect(lines.contains { $0.hasPrefix("ibkit.v1.pass ") && $0.contains("success") })
        #expect(lines.contains { $0.hasPrefix("ibkit.v1.error ") && $0.contains("fail") })
        #expect(lines.contains { $0.hasPrefix("ibkit.v1.xfail ") && $0.contains("xfail") })
        #expect(lines.last == "8 tests: 3 passed, 2 failed, 1 skipped, 1 failed as expected, 1 passed unexpectedly")
    }

    @Test func jsonRowsCarryV1DetailsAndTags() throws {
        let run = try runReport(["--format", "json"], stdin: try V1Fixtures.bytes("details") + V1Fixtures.bytes("tags-time"))
        #expect(run.status == 1)
        let objects = try run.stdout.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        let byID = Dictionary(objects.map { ($0["test"] as! String, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byID["d.skip"]?["status"] as? String == "skip")
        #expect((byID["d.skip"]?["detail"] as? String)?.contains("no RDMA device") == true)
        // The traceback's last line, a directive inside the block: detail text, not a new test.
        #expect(byID["d.fail"]?["detail"] as? String == "test: not a directive here")
        #expect(byID["not a directive here"] == nil)
        #expect(byID["t.two"]?["duration"] as? Double == 4.5, "time: lines give the timestamps")
        #expect(byID["t.one"]?["tags"] as? [String] == ["global", "inner"])
    }

    @Test func truncatedV1StreamFailsTheOpenTest() throws {
        let run = try runReport(["--format", "csv", V1Fixtures.path("truncated-details")])
        #expect(run.status == 1)
        #expect(run.stdout.contains("cut.details,fail,"))
        #expect(run.stdout.contains("lost connection during failure report of test 'cut.details'"))
    }

    @Test func unreadableV1LineIsReportedAndSkipped() throws {
        let input = Array("test: a\ntime: not a date\nsuccess: a\n".utf8)
        let run = try runReport([], stdin: input)
        #expect(run.status == 2)
        #expect(run.stderr.hasPrefix("Error: stdin: subunit stream: corrupt packet at byte 8 (subunit v1: time is not"), "\(run.stderr)")
        #expect(run.stdout.split(separator: "\n").contains { $0.hasPrefix("a ") && $0.contains("success") }, "the test around it")
    }

    @Test func v1StreamWithoutTestsIsAnError() throws {
        let run = try runReport([], stdin: Array("time: 2024-01-02 03:04:05Z\nlog line\n".utf8))
        #expect(run.status == 2)
        #expect(run.stderr.hasPrefix("Error: stdin: subunit v1 stream without tests"), "\(run.stderr)")
    }

    /// A v1 file and a v2 stream in one report: each input is detected on its own.
    @Test func v1AndV2InputsMerge() throws {
        let run = try runReport(["--format", "json", V1Fixtures.path("statuses"), "-"], stdin: ReportStreams.passing)
        let objects = try run.stdout.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        #expect(objects.count == 10)
        #expect(objects.prefix(8).allSatisfy { $0["route_code"] as? String == "0" })
        #expect(objects.suffix(2).map { $0["test"] as? String } == ["ibbench.tcp.stream", "ibbench.tcp.rr"])
    }
}

/// `ibbench report --format subunit` on v1 input against python-subunit's own converter.
@Suite(.enabled(if: PythonTools.available || PythonTools.required, Comment(rawValue: PythonTools.reason)))
struct ReportV1InteropTests {
    /// The events python-subunit decodes from a v2 stream (see the script's header).
    static func events(_ v2: [UInt8], anyTime: Bool) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ibkit-v1-\(UUID().uuidString).subunit")
        try Data(v2).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let py = try #require(PythonTools.python)
        let r = try PythonTools.run(py, [V1Fixtures.compareScript.path] + (anyTime ? ["--any-time"] : []) + [file.path])
        #expect(r.status == 0, "\(r.stderr)")
        // The one key is the temporary file's path; the events are what counts.
        return r.stdout.replacingOccurrences(of: file.path, with: "stream")
    }

    @Test(arguments: V1Fixtures.names)
    func convertsLikeSubunit1to2(_ name: String) throws {
        let input = try V1Fixtures.bytes(name)
        let theirs = try PythonTools.run("subunit-1to2", [], input: .bytes(input))
        #expect(theirs.status == 0, "\(theirs.stderr)")
        let ours = try runReport(["--format", "subunit"], stdin: input)
        #expect(ours.stderr.isEmpty)
        let anyTime = name == "no-time"
        let expected = try Self.events(theirs.output, anyTime: anyTime)
        #expect(expected.contains("\"inprogress\""), "python saw the fixture's tests")
        #expect(try Self.events(ours.output, anyTime: anyTime) == expected)
    }

    @Test func subunitStatsCountsTheConvertedStream() throws {
        let input = try V1Fixtures.bytes("statuses") + V1Fixtures.bytes("details")
        let ours = try runReport(["--format", "subunit"], stdin: input)
        let stats = try PythonTools.run("subunit-stats", [], input: .bytes(ours.output))
        let reference = try PythonTools.run("subunit-stats", [],
                                            input: .bytes(try PythonTools.run("subunit-1to2", [], input: .bytes(input)).output))
        #expect(PythonTools.count("Total tests:", in: stats.stdout) == 15)
        #expect(PythonTools.count("Failed tests:", in: stats.stdout) == 5, "there, uxsuccess counts as passed")
        #expect(PythonTools.count("Skipped tests:", in: stats.stdout) == 2)
        for label in ["Total tests:", "Passed tests:", "Failed tests:", "Skipped tests:"] {
            #expect(PythonTools.count(label, in: stats.stdout) == PythonTools.count(label, in: reference.stdout), "\(label)")
        }
    }
}

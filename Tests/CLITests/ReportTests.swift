import Foundation
import Subunit
import Testing
import TestProcesses

/// What `ibbench report` printed, as text and as bytes (for `--format subunit`).
typealias ReportRun = ToolRun

/// Runs `ibbench report` with `stdin` as its input, killed after `timeout` seconds.
func runReport(_ arguments: [String], stdin: [UInt8] = [], closeStdin: Bool = true, timeout: TimeInterval = 60) throws -> ReportRun {
    try runTool("ibbench", ["report"] + arguments, stdin: stdin, closeStdin: closeStdin, timeout: timeout)
}

/// Streams made with ibkit's own encoder, the way ibbench writes results.
enum ReportStreams {
    static func resultJSON(_ test: String, gbits: Double) -> String {
        #"{"test":"\#(test)","tool":"ibbench","transport":"tcp","parameters":{"size":"65536","streams":"1"},"#
            + #""metrics":[{"name":"throughput","value":\#(gbits)e9,"unit":"bit/s"},{"name":"rtt","value":12500,"unit":"ns"}],"status":"success"}"#
    }

    static func test(_ id: String, _ status: TestStatus, start: UInt32, seconds: UInt32, route: String? = nil,
                     attachment: Subunit.Attachment? = nil) -> [UInt8] {
        let e = PacketEncoder()
        var out: [UInt8] = []
        try! e.encode(Packet(testID: id, status: .inProgress, routeCode: route, timestamp: Timestamp(seconds: start)), into: &out)
        let end = Timestamp(seconds: start + seconds, nanoseconds: 500_000_000)
        if let attachment {
            for p in attachment.packets(testID: id, status: status, routeCode: route, timestamp: end) { try! e.encode(p, into: &out) }
        } else {
            try! e.encode(Packet(testID: id, status: status, routeCode: route, timestamp: end), into: &out)
        }
        return out
    }

    static var passing: [UInt8] {
        test("ibbench.tcp.stream", .success, start: 1_700_000_000, seconds: 10,
             attachment: Subunit.Attachment(name: "result.json", text: resultJSON("ibbench.tcp.stream", gbits: 9.41),
                                            mimeType: "application/json"))
            + test("ibbench.tcp.rr", .success, start: 1_700_000_020, seconds: 5)
    }

    static var mixed: [UInt8] {
        passing
            + test("ibbench.rdma.write", .skip, start: 1_700_000_030, seconds: 0,
                   attachment: Subunit.Attachment(name: "reason", text: "no RDMA device"))
            + test("ibbench.tcp.bidir", .fail, start: 1_700_000_040, seconds: 1,
                   attachment: Subunit.Attachment(name: "traceback", text: "Traceback:\npeer 10.0.0.2 went silent\n"))
    }

    static func file(_ bytes: [UInt8]) throws -> String {
        let u = FileManager.default.temporaryDirectory.appendingPathComponent("ibkit-report-\(UUID().uuidString).subunit")
        try Data(bytes).write(to: u)
        return u.path
    }
}

@Suite struct ReportTests {
    @Test func tableShowsEveryTestAndItsResult() throws {
        let run = try runReport([], stdin: ReportStreams.mixed)
        #expect(run.status == 1, "a failed test: \(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("TEST") == true)
        #expect(lines.contains { $0.hasPrefix("ibbench.tcp.stream") && $0.contains("success") && $0.contains("10.500 s")
            && $0.contains("throughput 9.41 Gbit/s") && $0.contains("rtt 12.5 µs") })
        #expect(lines.contains { $0.hasPrefix("ibbench.rdma.write") && $0.contains("skip") && $0.contains("no RDMA device") })
        #expect(lines.contains { $0.hasPrefix("ibbench.tcp.bidir") && $0.contains("fail") && $0.contains("peer 10.0.0.2 went silent") })
        #expect(lines.last == "4 tests: 2 passed, 1 failed, 1 skipped")
        #expect(run.stderr.isEmpty)
    }

    @Test func allPassingExitsZero() throws {
        let path = try ReportStreams.file(ReportStreams.passing)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try runReport([path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.hasSuffix("2 tests: 2 passed, 0 failed, 0 skipped\n"))
    }

    @Test func jsonIsOneObjectPerTest() throws {
        let run = try runReport(["--format", "json", "-"], stdin: ReportStreams.mixed)
        #expect(run.status == 1)
        let objects = try run.stdout.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        #expect(objects.map { $0["test"] as? String } == ["ibbench.tcp.stream", "ibbench.tcp.rr", "ibbench.rdma.write", "ibbench.tcp.bidir"])
        #expect(objects.map { $0["status"] as? String } == ["success", "success", "skip", "fail"])
        #expect(objects[0]["duration"] as? Double == 10.5)
        let result = try #require(objects[0]["result"] as? [String: Any])
        #expect(result["tool"] as? String == "ibbench")
        #expect(objects[1]["result"] is NSNull, "every key present, null when unknown")
        #expect(objects.allSatisfy { Set($0.keys) == ["schema", "test", "status", "duration", "route_code", "source", "tags", "result", "detail"] })
        #expect(objects.allSatisfy { $0["schema"] as? String == "ibkit.report/1" })
    }

    @Test func csvHasAHeaderAndOneRowPerTest() throws {
        let run = try runReport(["--format", "csv"], stdin: ReportStreams.mixed)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 5)
        #expect(lines[0] == "test,status,duration_s,route_code,source,tool,transport,parameters,metrics,detail")
        #expect(lines[1] == "ibbench.tcp.stream,success,10.500000,,,ibbench,tcp,size=65536;streams=1,throughput=9410000000 bit/s;rtt=12500 ns,")
        #expect(lines[3].hasPrefix("ibbench.rdma.write,skip,"))
    }

    /// Two files merge; each test keeps its origin as the first part of its route code.
    @Test func severalFilesKeepTheirOrigin() throws {
        let a = try ReportStreams.file(ReportStreams.passing)
        let b = try ReportStreams.file(ReportStreams.test("ibbench.tcp.stream", .fail, start: 1_700_000_100, seconds: 1, route: "2"))
        defer { try? FileManager.default.removeItem(atPath: a); try? FileManager.default.removeItem(atPath: b) }
        let run = try runReport(["--format", "json", a, b])
        #expect(run.status == 1)
        let objects = try run.stdout.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        #expect(objects.map { $0["route_code"] as? String } == ["0", "0", "1/2"])
        #expect(objects.map { $0["source"] as? String } == [a, a, b])
        let table = try runReport([a, b])
        #expect(table.stdout.hasPrefix("route 0 = \(a)\nroute 1 = \(b)\n"))
    }

    /// A damaged stream: rows for what could be decoded, one line per problem, exit 2.
    @Test func corruptStreamReportsWhatItCanAndFails() throws {
        var bytes = ReportStreams.passing
        let firstTestEnd = ReportStreams.test("ibbench.tcp.stream", .success, start: 1_700_000_000, seconds: 10,
            attachment: Subunit.Attachment(name: "result.json", text: ReportStreams.resultJSON("ibbench.tcp.stream", gbits: 9.41),
                                           mimeType: "application/json")).count
        bytes[firstTestEnd + 6] ^= 0x40  // inside the next test's first packet
        let run = try runReport([], stdin: bytes)
        #expect(run.status == 2)
        #expect(run.stdout.contains("ibbench.tcp.stream  success"))
        #expect(run.stdout.contains("subunit.parser"))
        #expect(run.stderr.hasPrefix("Error: stdin: subunit stream: corrupt packet at byte \(firstTestEnd) (Bad checksum"))
        #expect(run.stderr.split(separator: "\n").count == 1)
    }

    @Test func truncatedStreamLeavesAnIncompleteTest() throws {
        let bytes = Array(ReportStreams.passing.dropLast(3))
        let run = try runReport(["--format", "csv"], stdin: bytes)
        #expect(run.status == 2)
        #expect(run.stdout.contains("ibbench.tcp.rr,incomplete,"))
        #expect(run.stderr.contains("Short read"))
    }

    @Test func missingFileStopsBeforeAnyOutput() throws {
        let good = try ReportStreams.file(ReportStreams.passing)
        defer { try? FileManager.default.removeItem(atPath: good) }
        let run = try runReport([good, "/nonexistent/run.subunit"])
        #expect(run.status == 2)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr == "Error: /nonexistent/run.subunit: cannot open (No such file or directory); check the path\n")
    }

    @Test func directoryIsRefusedBeforeAnyOutput() throws {
        let run = try runReport([FileManager.default.temporaryDirectory.path])
        #expect(run.status == 2)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.hasSuffix(": is a directory; give a subunit file\n"))
    }

    @Test func subunitOutputIsTheMergedStream() throws {
        let a = try ReportStreams.file(ReportStreams.passing)
        defer { try? FileManager.default.removeItem(atPath: a) }
        let run = try runReport(["--format", "subunit", a, "-"], stdin: ReportStreams.mixed)
        #expect(run.status == 1)
        var d = PacketDecoder()
        d.feed(run.output)
        var routes: [String] = []
        while let e = d.finish() {
            if case .packet(let p) = e, p.status.isFinal { routes.append("\(p.testID!)@\(p.routeCode ?? "-")") }
        }
        #expect(routes == ["ibbench.tcp.stream@0", "ibbench.tcp.rr@0", "ibbench.tcp.stream@1", "ibbench.tcp.rr@1",
                           "ibbench.rdma.write@1", "ibbench.tcp.bidir@1"])
    }

    /// A packet as another encoder may write it: a two-byte length where one would do.
    static var packetWithALongLengthField: [UInt8] {
        // Signature, flags (version 2, test id, status success), length 11 in two bytes, test id "t".
        var bytes: [UInt8] = [0xB3, 0x28, 0x03, 0x40, 0x0B, 0x01, UInt8(ascii: "t")]
        let crc = CRC32.checksum(bytes)
        bytes += [UInt8(crc >> 24), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)]
        return bytes
    }

    /// One input's packets go out as they came, not encoded again; merged ones get route codes.
    @Test func subunitOutputOfOneInputIsItsPacketsAsRead() throws {
        let input = ReportStreams.passing + Self.packetWithALongLengthField
        let run = try runReport(["--format", "subunit"], stdin: input)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.output == input)
        var d = PacketDecoder()
        d.feed(Self.packetWithALongLengthField)
        guard case .packet(let packet)? = d.finish() else { Issue.record("the crafted packet did not decode"); return }
        let reencoded = try PacketEncoder().encode(packet)
        #expect(reencoded != Self.packetWithALongLengthField, "the packet is not what the encoder writes")

        let a = try ReportStreams.file(ReportStreams.passing)
        defer { try? FileManager.default.removeItem(atPath: a) }
        let merged = try runReport(["--format", "subunit", a, "-"], stdin: Self.packetWithALongLengthField)
        #expect(merged.status == 0, "\(merged.stderr)")
        var labelled = packet
        labelled.routeCode = "1"
        let expected = try PacketEncoder().encode(labelled)
        #expect(Array(merged.output.suffix(expected.count)) == expected)
    }

    /// A producer that goes silent does not hang the report.
    @Test func idleTimeoutEndsAStalledInput() throws {
        let start = Date()
        let run = try runReport(["--idle-timeout", "0.5", "--format", "json"], stdin: ReportStreams.passing,
                                closeStdin: false, timeout: 30)
        #expect(run.status == 2)
        #expect(run.stdout.split(separator: "\n").count == 2, "rows before the stall are written")
        #expect(run.stderr.contains("nothing received for"))
        #expect(Date().timeIntervalSince(start) < 20)
    }

    /// A run that wrote nothing, or wrote something else, must not read as a pass in CI.
    @Test func inputWithoutSubunitPacketsIsAnError() throws {
        let text = try runReport([], stdin: Array("just some text\n".utf8))
        #expect(text.status == 2)
        #expect(text.stdout.hasSuffix("0 tests: 0 passed, 0 failed, 0 skipped\n"))
        #expect(text.stderr.hasPrefix("Error: stdin: no subunit v2 packets in 15 bytes"), "\(text.stderr)")
        let empty = try runReport(["--format", "json"], stdin: [])
        #expect(empty.status == 2)
        #expect(empty.stdout.isEmpty)
        #expect(empty.stderr.hasPrefix("Error: stdin: empty: no subunit v2 packets"), "\(empty.stderr)")
    }

    @Test func textBetweenPacketsIsNotATest() throws {
        let run = try runReport([], stdin: Array("build log line\n".utf8) + ReportStreams.passing)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.isEmpty)
    }
}

/// Rows of a live run appear as its tests finish, not when the producer exits.
@Suite struct ReportStreamingTests {
    @Test(arguments: [("csv", 3), ("json", 2)])
    func rowsAppearWhileTheInputIsStillOpen(format: String, lines: Int) throws {
        let process = Process()
        process.executableURL = productPath("ibbench")
        process.arguments = ["report", "--format", format]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        input.fileHandleForWriting.write(Data(ReportStreams.passing))
        let fd = output.fileHandleForReading.fileDescriptor
        var seen: [UInt8] = []
        let deadline = Date().addingTimeInterval(30)
        while seen.filter({ $0 == 0x0A }).count < lines && Date() < deadline {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 100) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = read(fd, &buffer, buffer.count)
            if n <= 0 { break }
            seen += buffer[..<n]
        }
        #expect(process.isRunning, "the report still waits for input")
        #expect(seen.filter { $0 == 0x0A }.count == lines, "every finished test is written before the input ends")
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}

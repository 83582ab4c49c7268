import Foundation
import Testing
import Subunit
import TestProcesses

/// ibkit's encoder against the real python tools: what they read from an
/// ibkit stream, and python-subunit's decoder against ibkit's on damaged input.
@Suite(.enabled(if: PythonTools.available || PythonTools.required, Comment(rawValue: PythonTools.reason)))
struct InteropTests {
    static let resultJSON = #"{"test":"ibkit.tcp.stream","tool":"ibbench","transport":"tcp","parameters":{"size":"65536"},"metrics":[{"name":"throughput","value":9.41e9,"unit":"bit/s"}],"status":"success"}"#
    static let bigLog: [UInt8] = (0..<200_000).map { UInt8(0x61 + $0 % 26) }

    /// A run of six tests covering every final status, attachments (one in four
    /// chunks), tags, a route code and a stream-level line.
    static func sampleStream() throws -> [UInt8] {
        let e = PacketEncoder()
        var out: [UInt8] = []
        var t: UInt32 = 1_704_164_645
        func ts(_ ms: UInt32 = 0) -> Timestamp { Timestamp(seconds: t, nanoseconds: ms * 1_000_000) }
        try e.encode(.nonSubunit(Array("ibbench: starting\n".utf8)), into: &out)
        func test(_ id: String, _ status: TestStatus, _ attachments: [Subunit.Attachment]) throws {
            try e.encode(Packet(testID: id, status: .inProgress, tags: ["worker-0", "ibbench"], routeCode: "0",
                                timestamp: ts()), into: &out)
            t += 2
            for (k, a) in attachments.enumerated() {
                let last = k == attachments.count - 1
                for p in a.packets(testID: id, status: last ? status : .undefined, tags: last ? ["worker-0", "ibbench"] : [],
                                   routeCode: "0", timestamp: last ? ts(250) : nil) {
                    try e.encode(p, into: &out)
                }
            }
            if attachments.isEmpty {
                try e.encode(Packet(testID: id, status: status, tags: ["worker-0", "ibbench"], routeCode: "0",
                                    timestamp: ts(250)), into: &out)
            }
            t += 1
        }
        try test("ibkit.tcp.stream", .success, [Subunit.Attachment(name: "result.json", text: resultJSON, mimeType: "application/json")])
        try test("ibkit.tcp.rr", .fail, [Subunit.Attachment(name: "traceback", text: "peer 10.0.0.2 went silent\n",
                                                    mimeType: "text/x-traceback;charset=utf8")])
        try test("ibkit.rdma.write", .skip, [Subunit.Attachment(name: "reason", text: "no RDMA device")])
        try test("ibkit.known.bug", .expectedFailure, [Subunit.Attachment(name: "traceback", text: "known issue\n")])
        try test("ibkit.flaky.case", .unexpectedSuccess, [])
        try test("ibkit.big.attachment", .success, [Subunit.Attachment(name: "stdout", mimeType: "text/plain;charset=utf8", content: bigLog)])
        return out
    }

    @Test func subunit2junitxmlReadsIt() throws {
        let out = try PythonTools.run(try PythonTools.require("subunit2junitxml"), ["--no-passthrough"], input: .bytes(try Self.sampleStream()))
        let xml = out.stdout
        #expect(out.status == 1, "a failing test makes it exit 1: \(out.stderr)")
        #expect(xml.contains(#"tests="6""#))
        #expect(xml.contains(#"failures="2""#), "fail and uxsuccess")
        #expect(xml.contains(#"<testcase classname="ibkit.tcp" name="stream" time="2.250"/>"#))
        #expect(xml.contains("<skipped>no RDMA device</skipped>"))
        #expect(xml.contains("peer 10.0.0.2 went silent"))
        #expect(xml.contains("_UnexpectedSuccess"))
        #expect(!xml.contains("ibbench: starting"), "no passthrough")
    }

    @Test func subunitStatsCountsIt() throws {
        let out = try PythonTools.run(try PythonTools.require("subunit-stats"), [], input: .bytes(try Self.sampleStream()))
        #expect(out.status == 1)
        #expect(out.stdout.contains("Total tests:       6"))
        #expect(out.stdout.contains("Passed tests:      4"), "success ×2, xfail and uxsuccess count as passed there")
        #expect(out.stdout.contains("Failed tests:      1"))
        #expect(out.stdout.contains("Skipped tests:     1"))
        #expect(out.stdout.contains("Seen tags: ibbench, worker-0"))
    }

    /// stestr stores the run and gives it back as subunit: statuses and
    /// attachments (the JSON result, the 200 KB chunked log) survive.
    @Test func stestrLoadsAndKeepsAttachments() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ibkit-stestr-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let stestr = try PythonTools.require("stestr")
        #expect(try PythonTools.run(stestr, ["init"], directory: dir).status == 0)
        let load = try PythonTools.run(stestr, ["load"], input: .bytes(try Self.sampleStream()), directory: dir)
        #expect(load.status == 0, "\(load.stderr)")
        #expect(load.stdout.contains("Ran 6 tests"), "\(load.stdout)")
        let last = try PythonTools.run(stestr, ["last", "--subunit"], directory: dir)
        #expect(last.status == 0)
        var c = Collector()
        for e in decodeEvents(last.output, chunk: 65536) { c.handle(e) }
        c.stopTestRun()
        #expect(c.corruptions.isEmpty)
        let byID = Dictionary(c.tests.map { ($0.testID, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byID.count == 6)
        #expect(byID["ibkit.tcp.stream"]?.status == .success)
        #expect(byID["ibkit.tcp.rr"]?.status == .fail)
        #expect(byID["ibkit.rdma.write"]?.status == .skip)
        #expect(byID["ibkit.known.bug"]?.status == .expectedFailure)
        #expect(byID["ibkit.flaky.case"]?.status == .unexpectedSuccess)
        let result = byID["ibkit.tcp.stream"]?.attachment(named: "result.json")
        #expect(result?.content == Array(Self.resultJSON.utf8))
        #expect(result?.mimeType?.hasPrefix("application/json") == true)
        #expect(byID["ibkit.big.attachment"]?.attachment(named: "stdout")?.content == Self.bigLog)
    }

    /// python-subunit decodes ibkit's stream into exactly the events ibkit's decoder gives.
    @Test func pythonDecodesWhatIbkitDecodes() throws {
        let stream = try Self.sampleStream()
        let results = try pythonDecode([stream])
        guard case .events(let want) = results[0] else { Issue.record("python crashed: \(results[0])"); return }
        let got = PyEvent.mergingText(decodeEvents(stream, chunk: 4096).flatMap(PyEvent.from))
        #expect(got == PyEvent.mergingText(want))
    }

    /// Differential test on damaged input: mutated vectors, and packets whose
    /// bodies were changed and their CRC fixed (so field checks run), decode the
    /// same in python-subunit and ibkit, except where python crashes.
    @Test func damagedStreamsDecodeLikePython() throws {
        var rng = SplitMix64(state: 2024)
        var inputs: [[UInt8]] = []
        for _ in 0..<250 {
            inputs.append(FuzzTests.mutate(FuzzTests.corpus.randomElement(using: &rng)!, &rng))
        }
        for _ in 0..<250 {
            inputs.append(Self.mutatedBody(FuzzTests.corpus.randomElement(using: &rng)!, &rng))
        }
        let results = try pythonDecode(inputs)
        var compared = 0
        for (k, (input, result)) in zip(inputs, results).enumerated() {
            guard case .events(let want) = result else { continue }
            compared += 1
            let got = PyEvent.mergingText(decodeEvents(input, chunk: 7).flatMap(PyEvent.from))
            let expected = PyEvent.mergingText(want)
            if got != expected {
                let i = zip(got, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? Swift.min(got.count, expected.count)
                Issue.record("""
                    input \(k) differs at event \(i) of \(expected.count): \(input.map { String(format: "%02x", $0) }.joined())
                      ibkit:  \(i < got.count ? got[i].description : "none")
                      python: \(i < expected.count ? expected[i].description : "none")
                    """)
            }
        }
        #expect(compared > 400)
    }

    /// Changes bytes after the length field of one packet and recomputes its CRC.
    static func mutatedBody(_ stream: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var d = PacketDecoder()
        d.feed(stream)
        var ranges: [Range<Int>] = []
        var offset = 0
        while let r = d.finishView({ e -> Range<Int> in
            let n: Int
            switch e {
            case .packet(let v): n = v.bytes.count
            case .nonSubunit(let b): n = b.count
            case .corrupt(let c): n = c.skipped
            }
            defer { offset += n }
            if case .packet = e { return offset..<offset + n }
            return offset..<offset
        }) {
            if !r.isEmpty { ranges.append(r) }
        }
        guard let r = ranges.randomElement(using: &rng) else { return stream }
        var b = stream
        let width = 1 + Int(b[r.lowerBound + 3] >> 6)
        let bodyStart = r.lowerBound + 3 + width
        let bodyEnd = r.upperBound - 4
        guard bodyStart < bodyEnd else { return stream }
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            let i = Int.random(in: bodyStart..<bodyEnd, using: &rng)
            b[i] = [0x00, 0xFF, 0xC3, 0xE2, 0x80, 0x3F, 0x7F, 0xB3, UInt8.random(in: 0...255, using: &rng)]
                .randomElement(using: &rng)!
        }
        let crc = CRC32.checksum(b[r.lowerBound..<bodyEnd])
        b[bodyEnd] = UInt8(crc >> 24)
        b[bodyEnd + 1] = UInt8(crc >> 16 & 0xFF)
        b[bodyEnd + 2] = UInt8(crc >> 8 & 0xFF)
        b[bodyEnd + 3] = UInt8(crc & 0xFF)
        return b
    }

    enum PyResult { case events([PyEvent]), crash(String) }

    /// Decodes each input with python-subunit (one python process for all).
    func pythonDecode(_ inputs: [[UInt8]]) throws -> [PyResult] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ibkit-pydecode-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var paths: [String] = []
        for (k, input) in inputs.enumerated() {
            let u = dir.appendingPathComponent("\(k).subunit")
            try Data(input).write(to: u)
            paths.append(u.path)
        }
        let script = Vectors.directory.deletingLastPathComponent().appendingPathComponent("pydecode.py").path
        let out = try PythonTools.run(try #require(PythonTools.python, Comment(rawValue: PythonTools.reason)), [script] + paths)
        #expect(out.status == 0, "\(out.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(out.output)) as! [String: Any]
        return paths.map { path in
            if let events = json[path] as? [[String: Any]] { return .events(events.map(PyEvent.init(json:))) }
            return .crash("\((json[path] as? [String: Any])?["crash"] ?? "missing")")
        }
    }
}

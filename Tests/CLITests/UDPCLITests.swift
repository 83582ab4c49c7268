import Foundation
import TestProcesses
import Testing

/// `ibbench udp` end to end: the built binary against its loopback server, a separate
/// `ibbench serve`, and a network namespace whose firewall drops datagrams.
@Suite(.serialized) struct UDPCLITests {
    /// The last JSON line: the run's total result.
    private func total(_ stdout: String) throws -> [String: Any] {
        let last = try #require(stdout.split(separator: "\n").last)
        return try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
    }

    private func metric(_ result: [String: Any], _ name: String) -> Double? {
        let metrics = result["metrics"] as? [[String: Any]] ?? []
        return metrics.first { $0["name"] as? String == name }?["value"] as? Double
    }

    @Test func loopbackStreamReportsLossAndJitter() throws {
        let run = try runTool("ibbench", ["udp", "--loopback", "-t", "1"], timeout: 30)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("ibbench.udp.stream: success"))
        for row in ["datagrams sent", "datagrams received", "datagrams lost", "loss", "out of order", "jitter"] {
            #expect(run.stdout.contains(row), "\(row) in \(run.stdout)")
        }
    }

    @Test func bitrateCapsTheSendRate() throws {
        let run = try runTool("ibbench", ["udp", "--loopback", "-t", "1", "-b", "20M", "--format", "json"], timeout: 30)
        #expect(run.status == 0, "\(run.stderr)")
        let r = try total(run.stdout)
        let sent = try #require(metric(r, "throughput_sent"))
        let datagrams = try #require(metric(r, "datagrams_sent"))
        // Paced on an absolute schedule: a slow machine can fall behind, never run ahead.
        #expect(sent > 0 && sent <= 20e6 * 1.02, "sent \(sent) bit/s")
        #expect(datagrams > 0)
        let received = try #require(metric(r, "datagrams_received"))
        let lost = try #require(metric(r, "datagrams_lost"))
        #expect(received + lost == datagrams)
    }

    /// The server sends, paced; the client counts. The sender's count comes from the server's
    /// half of the results, so a loss figure at all shows both ends were joined.
    @Test func reverseCountsWhatTheServerSent() throws {
        let run = try runTool("ibbench", ["udp", "--loopback", "reverse", "-t", "1", "-b", "20M", "--size", "1000",
                                          "--format", "json"], timeout: 30)
        #expect(run.status == 0, "\(run.stderr)")
        let r = try total(run.stdout)
        #expect(r["test"] as? String == "ibbench.udp.reverse")
        #expect((r["parameters"] as? [String: String])?["bitrate"] == "20000000")
        let sent = try #require(metric(r, "datagrams_sent"))
        let received = try #require(metric(r, "datagrams_received"))
        let lost = try #require(metric(r, "datagrams_lost"))
        #expect(sent > 0 && received > 0)
        #expect(received + lost == sent)
        // The server paces on an absolute schedule: it can fall behind, never run ahead.
        #expect(try #require(metric(r, "throughput_sent")) <= 20e6 * 1.02)
        #expect(try #require(metric(r, "bytes_received")) == received * 1000)
        #expect(metric(r, "jitter") != nil && metric(r, "sends_refused") != nil)
    }

    /// Both ways at once, paced: each way's result joins its own sender's and receiver's
    /// counts, and the total is their sum.
    @Test func bidirCountsEachWayAndTheirSum() throws {
        let run = try runTool("ibbench", ["udp", "--loopback", "bidir", "-t", "1", "-b", "20M", "--size", "1000",
                                          "--format", "json"], timeout: 30)
        #expect(run.status == 0, "\(run.stderr)")
        let results = try events(run.stdout, "result")
        #expect(results.map { $0["test"] as? String } == ["ibbench.udp.bidir.send", "ibbench.udp.bidir.receive", "ibbench.udp.bidir"])
        var sent = 0.0, received = 0.0
        for (way, r) in zip(["send", "receive"], results) {
            #expect((r["parameters"] as? [String: String])?["direction"] == way)
            let s = try #require(metric(r, "datagrams_sent")), got = try #require(metric(r, "datagrams_received"))
            let lost = try #require(metric(r, "datagrams_lost"))
            #expect(s > 0 && got > 0 && got + lost == s, "\(way)")
            #expect(try #require(metric(r, "throughput_sent")) <= 20e6 * 1.02, "\(way) paced at 20 Mbit/s")
            #expect(metric(r, "jitter") != nil)
            sent += s
            received += got
        }
        let total = try #require(results.last)
        #expect(metric(total, "datagrams_sent") == sent && metric(total, "datagrams_received") == received)
        #expect(metric(total, "bytes") == received * 1000)
        #expect(try #require(metric(total, "throughput")) <= 2 * 20e6 * 1.02)
    }

    @Test func bidirWithStreamsReportsEverySocket() throws {
        let run = try runTool("ibbench", ["udp", "--loopback", "bidir", "-P", "2", "-t", "0.5", "-b", "10M",
                                          "--format", "json"], timeout: 30)
        #expect(run.status == 0, "\(run.stderr)")
        let results = try events(run.stdout, "result")
        let tests = results.compactMap { ($0["test"] as? String)?.replacingOccurrences(of: "ibbench.udp.bidir", with: "") }
        #expect(tests == [".stream0", ".stream1", ".stream2", ".stream3", ".send", ".receive", ""])
        let directions = results.prefix(4).map { ($0["parameters"] as? [String: String])?["direction"] }
        #expect(directions == ["send", "send", "receive", "receive"])
        for r in results.prefix(4) { #expect((metric(r, "datagrams_received") ?? 0) > 0, "\(r)") }
    }

    @Test func requestResponseCountsTransactions() throws {
        let run = try runTool("ibbench", ["udp", "--loopback", "rr", "-t", "0.5", "--request", "64", "--response", "200",
                                          "--format", "json"], timeout: 30)
        #expect(run.status == 0, "\(run.stderr)")
        let r = try total(run.stdout)
        let n = try #require(metric(r, "transactions"))
        #expect(n > 0)
        #expect(metric(r, "latency_p99") != nil)
        // Every request got an answer from the server, including any whose answer was lost.
        #expect(try #require(metric(r, "transactions_served")) >= n)
    }

    /// JSON lines of one event kind.
    private func events(_ stdout: String, _ kind: String) throws -> [[String: Any]] {
        try stdout.split(separator: "\n").compactMap { line in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return object["event"] as? String == kind ? object : nil
        }
    }

    /// A paced 1.25 s run with 0.5 s intervals: its interval lines, and its results (the total
    /// last). Spans end at 0.5 s, 1.0 s and, a partial one, at the planned end.
    private func pacedIntervals(_ mode: [String]) throws -> (intervals: [[String: Any]], results: [[String: Any]]) {
        let run = try runTool("ibbench", ["udp", "--loopback"] + mode + ["-t", "1.25", "--interval", "0.5", "-b", "50M",
                                                                       "--format", "json"], timeout: 30)
        #expect(run.status == 0, "\(run.stderr)")
        let intervals = try events(run.stdout, "interval")
        #expect(intervals.count == 3, "\(run.stdout)")
        #expect(intervals.last?["to"] as? Double == 1.25, "the last span ends at -t")
        #expect(intervals.last?["from"] as? Double == intervals.dropLast().last?["to"] as? Double, "spans meet")
        return (intervals, try events(run.stdout, "result"))
    }

    /// What the spans say, added up: the final partial span makes it all the run counted.
    private func sum(_ intervals: [[String: Any]], _ name: String) -> Double {
        intervals.compactMap { metric($0, name) }.reduce(0, +)
    }

    @Test func intervalsReportWhatTheClientSent() throws {
        let (intervals, results) = try pacedIntervals([])
        let sent = intervals.compactMap { metric($0, "bytes_sent") }
        #expect(sent.count == 3 && sent.allSatisfy { $0 > 0 })
        for i in intervals.prefix(2) {
            #expect((metric(i, "throughput_sent") ?? .infinity) <= 50e6 * 1.05, "paced at 50 Mbit/s: \(i)")
        }
        #expect(sum(intervals, "bytes_sent") == metric(try #require(results.last), "bytes_sent"))
    }

    @Test func reverseIntervalsReportWhatTheClientReceived() throws {
        let (intervals, results) = try pacedIntervals(["reverse"])
        let received = intervals.compactMap { metric($0, "bytes_received") }
        #expect(received.count == 3 && received.allSatisfy { $0 > 0 })
        #expect(intervals.allSatisfy { metric($0, "throughput") != nil && metric($0, "bytes_sent") == nil })
        #expect(sum(intervals, "bytes_received") == metric(try #require(results.last), "bytes_received"))
    }

    @Test func bidirIntervalsReportBothWays() throws {
        let (intervals, results) = try pacedIntervals(["bidir"])
        let sent = intervals.compactMap { metric($0, "bytes_sent") }, received = intervals.compactMap { metric($0, "bytes_received") }
        #expect(sent.count == 3 && received.count == 3 && (sent + received).allSatisfy { $0 > 0 })
        for i in intervals.prefix(2) {
            #expect((metric(i, "throughput_sent") ?? .infinity) <= 50e6 * 1.05, "paced at 50 Mbit/s: \(i)")
        }
        let send = try #require(results.first { $0["test"] as? String == "ibbench.udp.bidir.send" })
        let receive = try #require(results.first { $0["test"] as? String == "ibbench.udp.bidir.receive" })
        #expect(sum(intervals, "bytes_sent") == metric(send, "bytes_sent"))
        #expect(sum(intervals, "bytes_received") == metric(receive, "bytes_received"))
    }

    @Test func repeatSummarisesTheRuns() throws {
        let run = try runTool("ibbench", ["udp", "--loopback", "rr", "-t", "0.6", "--repeat", "3", "--interval", "0.2",
                                          "--format", "json"], timeout: 30)
        #expect(run.status == 0, "\(run.stderr)")
        let results = try events(run.stdout, "result")
        #expect(results.map { $0["test"] as? String } == ["ibbench.udp.rr.run1", "ibbench.udp.rr.run2", "ibbench.udp.rr.run3",
                                                         "ibbench.udp.rr"])
        let runs = results.dropLast().compactMap { metric($0, "transactions_per_second") }
        let summary = try #require(results.last)
        let mean = try #require(metric(summary, "transactions_per_second"))
        #expect(runs.count == 3 && abs(mean - runs.reduce(0, +) / 3) <= mean * 1e-9)
        #expect(try #require(metric(summary, "transactions_per_second_ci95_low")) <= mean)
        #expect(metric(summary, "transactions_per_second_min") == runs.min())
        #expect(metric(summary, "repeats") == 3)
        // Its round trips are every run's: the slowest is the slowest run's.
        #expect(metric(summary, "latency_max") == results.dropLast().compactMap { metric($0, "latency_max") }.max())
        // Each run has its own spans, named by its run.
        let tests = Set(try events(run.stdout, "interval").compactMap { $0["test"] as? String })
        #expect(tests == ["ibbench.udp.rr.run1", "ibbench.udp.rr.run2", "ibbench.udp.rr.run3"])
    }

    /// A run's results, per stream or per direction, then the total, are tests to python-subunit.
    @Test(.enabled(if: PythonTools.find("subunit2junitxml") != nil, "\(PythonTools.reason)"),
          arguments: [(["stream", "-P", "2"], "classname=\"ibbench.udp.stream\" name=\"stream1\""),
                      (["bidir"], "classname=\"ibbench.udp.bidir\" name=\"receive\"")])
    func subunitStreamsReadByPythonSubunit(args: [String], testCase: String) throws {
        let run = try runProduct("ibbench", ["udp", "--loopback"] + args + ["-t", "0.5", "-b", "10M", "--format", "subunit"],
                                 timeout: 30)
        #expect(run.status == 0)
        let xml = try PythonTools.run("subunit2junitxml", [], input: .bytes(run.output))
        #expect(xml.stdout.contains("tests=\"3\""), "\(xml.stdout)")
        #expect(xml.stdout.contains("failures=\"0\"") && xml.stdout.contains("errors=\"0\""))
        #expect(xml.stdout.contains(testCase), "\(xml.stdout)")
    }

    @Test func servedByIbbenchServe() throws {
        let port = String(10000 + Int(getpid() % 20000) + 16)
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("ibkit-udp-serve-\(getpid()).log")
        defer { try? FileManager.default.removeItem(at: log) }
        let server = try ChildProcess(productPath("ibbench"), ["serve", "--port", port, "--once", "--bind", "127.0.0.1"],
                                      stderr: log)
        defer { server.kill() }
        var run = try runTool("ibbench", ["udp", "127.0.0.1", "--port", port, "rr", "-t", "0.5"], timeout: 30)
        for _ in 0..<50 where run.status == 2 && run.stdout.contains("ECONNREFUSED") {
            Thread.sleep(forTimeInterval: 0.1)   // the server was not listening yet
            run = try runTool("ibbench", ["udp", "127.0.0.1", "--port", port, "rr", "-t", "0.5"], timeout: 30)
        }
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(server.wait(seconds: 10) == 0, "--once ends the server after the test")
        #expect((try? String(contentsOf: log, encoding: .utf8))?.contains("kind=udp.rr") == true)
    }

    @Test(arguments: [["--size", "8"], ["--size", "70000"], ["-b", "1e300"], ["-b", "nan"], ["rr", "-b", "1M"],
                      ["--expect-max-loss", "101"], ["--expect-max-loss", "inf"], ["-t", "0"], ["-P", "0"],
                      ["--request", "65508"], ["--interval", "0.01"], ["--repeat", "0"], ["--repeat", "1001"],
                      ["reverse", "--size", "8"], ["reverse", "-b", "-1"], ["bidir", "--size", "70000"], ["bidir", "-b", "-1"]])
    func outOfRangeIsAUsageError(args: [String]) throws {
        let run = try runTool("ibbench", ["udp", "--loopback"] + args, timeout: 30)
        #expect(run.status == 64, "\(args): \(run.stderr)")
        #expect(run.stderr.hasPrefix("Error: "))
    }

    /// The server killed, or stopped, mid-run: the client writes what it measured, as an error
    /// result, and exits 2; at once for a kill (the control connection closes), and after the
    /// 15 s it waits for the results of a stopped one.
    @Test(arguments: [("stream", SIGKILL), ("reverse", SIGKILL), ("bidir", SIGKILL), ("rr", SIGKILL),
                      ("stream", SIGSTOP), ("reverse", SIGSTOP), ("bidir", SIGSTOP), ("rr", SIGSTOP)])
    func serverDeathMidRunEndsTheClient(mode: String, signal: Int32) throws {
        let port = String(10000 + Int(getpid() % 20000) + 16)
        let server = try ChildProcess(productPath("ibbench"), ["serve", "--port", port, "--bind", "127.0.0.1"])
        defer { server.kill(SIGKILL) }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ibkit-udp-death-\(getpid()).json")
        defer { try? FileManager.default.removeItem(at: out) }
        Thread.sleep(forTimeInterval: 0.5)
        let client = try ChildProcess(productPath("ibbench"), ["udp", "127.0.0.1", "--port", port, mode, "-t", "2",
                                                               "--format", "json"], stdout: out)
        // Mid-run: a second after the client's first line (it comes once the control
        // connection is up), so that a busy machine does not make it "before the run".
        let started = Date().addingTimeInterval(20)
        while Date() < started, ((try? String(contentsOf: out, encoding: .utf8)) ?? "").split(separator: "\n").count < 2 {
            Thread.sleep(forTimeInterval: 0.02)
        }
        Thread.sleep(forTimeInterval: 1)
        Glibc.kill(server.pid, signal)
        let killed = Date()
        // Kill: the lost control connection. Stop: the rest of -t, then 15 s for results.
        // Each with 1 s, and 5 s more for a busy machine.
        let bound = signal == SIGKILL ? 1.0 + 5 : 1.0 + 15 + 1 + 5
        let status = client.wait(seconds: bound)
        let seconds = Date().timeIntervalSince(killed)
        print("udp \(mode), server \(signal == SIGKILL ? "SIGKILL" : "SIGSTOP") mid-run: client exited \(status.map(String.init) ?? "-") after \(String(format: "%.2f", seconds)) s")
        #expect(status == 2)
        let lines = (try? String(contentsOf: out, encoding: .utf8))?.split(separator: "\n") ?? []
        let last = try #require(lines.last.flatMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
        #expect(last["status"] as? String == "error")
        #expect(last["test"] as? String == "ibbench.udp.\(mode)")
        // Partial: what the client measured before the end is there (bidir: in each way's result).
        let results = try events(lines.joined(separator: "\n"), "result")
        let counted: [(test: String, metric: String)] = switch mode {
        case "rr": [("", "transactions")]
        case "reverse": [("", "datagrams_received")]
        case "bidir": [(".send", "datagrams_sent"), (".receive", "datagrams_received")]
        default: [("", "datagrams_sent")]
        }
        for (suffix, name) in counted {
            let r = try #require(results.last { $0["test"] as? String == "ibbench.udp.\(mode)\(suffix)" })
            let measured = try #require(metric(r, name))
            print("udp \(mode)\(suffix): \(Int(measured)) \(name) in the partial result")
        }
    }

    @Test func deadServerIsAnErrorResult() throws {
        let port = String(10000 + Int(getpid() % 20000) + 17)
        let run = try runTool("ibbench", ["udp", "127.0.0.1", "--port", port, "--format", "json"], timeout: 30)
        #expect(run.status == 2)
        let r = try total(run.stdout)
        #expect(r["status"] as? String == "error")
        #expect((r["reason"] as? String)?.contains("cannot connect") == true)
    }
}

/// A namespace of the test's own with an nftables rule on its loopback: real datagrams,
/// really dropped by the kernel.
@Suite(.serialized) struct UDPLossTests {
    static let nft = ["/usr/sbin/nft", "/sbin/nft"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let ip = ["/usr/sbin/ip", "/sbin/ip", "/bin/ip"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let usable = getuid() == 0 && nft != nil && ip != nil
    static let reason: Comment = "needs root, ip and nft (scripts/install-deps installs nftables) for a network namespace"

    /// Runs `body` with a namespace whose input hook drops UDP datagrams longer than 100 bytes
    /// (the probes are 28, so the test still starts) by `rule`.
    private func withNamespace(dropping rule: String, _ body: (String) throws -> Void) throws {
        let ns = "ibkit-udp-\(getpid())"
        func sh(_ exe: String, _ args: [String]) throws {
            let r = try runProcess(URL(fileURLWithPath: exe), args, timeout: 20)
            try #require(r.status == 0, "\(exe) \(args): \(r.stderr)")
        }
        try sh(Self.ip!, ["netns", "add", ns])
        defer { _ = try? runProcess(URL(fileURLWithPath: Self.ip!), ["netns", "del", ns], timeout: 20) }
        try sh(Self.ip!, ["-n", ns, "link", "set", "lo", "up"])
        try sh(Self.ip!, ["netns", "exec", ns, Self.nft!, "add table inet ibkit"])
        try sh(Self.ip!, ["netns", "exec", ns, Self.nft!, "add chain inet ibkit in { type filter hook input priority 0; }"])
        try sh(Self.ip!, ["netns", "exec", ns, Self.nft!, "add rule inet ibkit in \(rule) drop"])
        try body(ns)
    }

    private func ibbench(in ns: String, _ args: [String]) throws -> ToolRun {
        try runProcess(URL(fileURLWithPath: Self.ip!), ["netns", "exec", ns, productPath("ibbench").path] + args, timeout: 60)
    }

    @Test(.enabled(if: usable, reason), arguments: ["stream", "reverse", "bidir"])
    func droppedDatagramsAreCountedLost(mode: String) throws {
        try withNamespace(dropping: "meta l4proto udp udp length > 100 numgen random mod 10 == 0") { ns in
            let run = try ibbench(in: ns, ["udp", "--loopback", mode, "-t", "1", "-b", "50M", "--format", "json"])
            #expect(run.status == 0, "\(run.stderr)")
            let last = try #require(run.stdout.split(separator: "\n").last)
            let r = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
            let metrics = r["metrics"] as? [[String: Any]] ?? []
            let percent = try #require(metrics.first { $0["name"] as? String == "loss" }?["value"] as? Double)
            // One in ten dropped, over about 4,000 datagrams: far from both bounds.
            #expect(percent > 5 && percent < 16, "loss \(percent) %")
        }
    }

    @Test(.enabled(if: usable, reason))
    func lossAboveTheLimitFailsTheRun() throws {
        try withNamespace(dropping: "meta l4proto udp udp length > 100 numgen random mod 10 == 0") { ns in
            let run = try ibbench(in: ns, ["udp", "--loopback", "-t", "1", "-b", "50M", "--expect-max-loss", "1"])
            #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
            #expect(run.stdout.contains("above --expect-max-loss 1.00 %"))
        }
    }

    @Test(.enabled(if: usable, reason))
    func aFirewalledPortSaysWhatToOpen() throws {
        try withNamespace(dropping: "meta l4proto udp") { ns in
            let run = try ibbench(in: ns, ["udp", "--loopback", "-t", "1"])
            #expect(run.status == 2)
            #expect(run.stdout.contains("no answer from UDP port"), "\(run.stdout)")
            #expect(run.stdout.contains("through the firewall"))
        }
    }
}

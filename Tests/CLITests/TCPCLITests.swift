import Foundation
import TestProcesses
import Testing

private let haveSubunitTools = PythonTools.find("subunit2junitxml") != nil && PythonTools.find("subunit-stats") != nil

/// Feeds `input` to a python-subunit tool; returns its exit status and stdout.
private func pipe(_ input: Data, to tool: String, _ args: [String] = []) throws -> (Int32, String) {
    let r = try PythonTools.run(tool, args, input: .bytes([UInt8](input)))
    return (r.status, r.stdout)
}

/// Runs ibbench and returns its exit status and raw stdout (subunit is binary: no String round trip).
private func runRaw(_ args: [String], timeout: TimeInterval = 30) throws -> (Int32, Data) {
    let r = try runProduct("ibbench", args, timeout: timeout)
    return (r.status, Data(r.output))
}

/// A free-looking TCP port for a server this test starts: per process, and below Linux's
/// ephemeral range (32768 up), where the port-0 servers and the clients of tests running
/// alongside take theirs. Offsets 1 and 2 here; the peer-tool tests take 0 and 3.
private func testPort(_ offset: Int) -> String { String(10000 + Int(getpid() % 20000) + offset) }

/// Waits (up to 10 s) until something listens on TCP `port`, read from /proc/net/tcp rather than
/// probed with a connection, which a `--once` server would count as its one client.
private func waitUntilListening(_ port: String) {
    let hex = ":" + String(Int(port)!, radix: 16, uppercase: true).leftPadded(to: 4) + " "
    let deadline = Date().addingTimeInterval(10)
    while Date() < deadline {
        let table = (try? String(contentsOfFile: "/proc/net/tcp", encoding: .utf8)) ?? ""
        if table.split(separator: "\n").contains(where: { $0.contains(hex) && $0.contains(" 0A ") }) { return }
        Thread.sleep(forTimeInterval: 0.05)
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

@Suite(.serialized) struct TCPCLITests {
    @Test func loopbackTableRunsOnAFreshMachine() throws {
        let run = try runTool("ibbench", ["tcp", "--loopback", "-t", "1"], timeout: 30)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("ibbench.tcp.stream: success"))
        #expect(run.stdout.contains("Gbit/s"))
    }

    @Test(arguments: ["stream", "reverse", "bidir", "rr", "crr"])
    func everyModeAsJSONLines(mode: String) throws {
        let run = try runTool("ibbench", ["tcp", "--loopback", mode, "-t", "0.5", "--format", "json"], timeout: 30)
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n")
        for line in lines {
            #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "valid JSON: \(line)")
        }
        // The run header first: the schema, and what makes two runs comparable.
        let header = try #require(lines.first.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
        #expect(header["event"] as? String == "run" && header["schema"] as? String == "ibkit.bench/1")
        #expect(header["version"] as? String == "0.1.0" && header["peer"] as? String == "127.0.0.1")
        #expect(!(header["host"] as? String ?? "").isEmpty && !(header["kernel"] as? String ?? "").isEmpty)
        #expect((header["time"] as? String)?.hasSuffix("Z") == true)
        #expect((header["command"] as? [String]).map { Array($0.dropFirst()) } == ["tcp", "--loopback", mode, "-t", "0.5", "--format", "json"])
        #expect(lines.dropFirst().first?.contains("\"event\":\"start\"") == true)
        #expect(lines.last?.contains("\"test\":\"ibbench.tcp.\(mode)\"") == true)
        #expect(lines.last?.contains("\"status\":\"success\"") == true)
    }

    /// Spans every 0.5 s, then the partial one up to -t, as iperf3 reports them: together they
    /// hold every byte the client wrote. A run of whole spans has no sliver after the last.
    @Test(arguments: [("1.25", 3), ("1", 2)])
    func intervalsCoverTheWholeRun(seconds: String, spans: Int) throws {
        let run = try runTool("ibbench", ["tcp", "--loopback", "-t", seconds, "--interval", "0.5", "--format", "json"],
                              timeout: 30)
        #expect(run.status == 0, "\(run.stderr)")
        let objects = try run.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        func bytes(_ o: [String: Any], _ name: String) -> Double? {
            (o["metrics"] as? [[String: Any]])?.first { $0["name"] as? String == name }?["value"] as? Double
        }
        let intervals = objects.filter { $0["event"] as? String == "interval" }
        #expect(intervals.count == spans, "\(run.stdout)")
        if seconds == "1.25" {
            #expect(intervals.last?["to"] as? Double == 1.25, "the partial span ends at -t")
            let total = try #require(objects.last)
            #expect(intervals.compactMap { bytes($0, "bytes") }.reduce(0, +) == bytes(total, "bytes_sent"))
        }
    }

    @Test func csvHasHeaderAndRows() throws {
        let run = try runTool("ibbench", ["tcp", "--loopback", "rr", "-t", "0.5", "--format", "csv"], timeout: 30)
        #expect(run.status == 0)
        let lines = run.stdout.split(separator: "\n")
        #expect(lines.first == "event,test,route,from_s,to_s,status,metric,value,unit")
        #expect(lines.contains { $0.hasPrefix("result,ibbench.tcp.rr,,0.000,") && $0.contains(",transactions_per_second,") })
    }

    @Test(.enabled(if: haveSubunitTools, "needs python-subunit's tools (scripts/install-deps puts them in .venv)"))
    func subunitIsReadByPythonSubunit() throws {
        let (status, bytes) = try runRaw(["tcp", "--loopback", "-P", "2", "-t", "1", "--interval", "0.5", "--format", "subunit"])
        #expect(status == 0)
        let (statsStatus, stats) = try pipe(bytes, to: "subunit-stats", ["--no-passthrough"])
        #expect(statsStatus == 0, "\(stats)")
        #expect(PythonTools.count("Total tests:", in: stats) == 3)
        #expect(PythonTools.count("Passed tests:", in: stats) == 3)
        let (xmlStatus, xml) = try pipe(bytes, to: "subunit2junitxml")
        #expect(xmlStatus == 0)
        #expect(xml.contains("tests=\"3\"") && xml.contains("failures=\"0\""))
        #expect(xml.contains("classname=\"ibbench.tcp.stream\" name=\"stream1\""))
    }

    @Test(.enabled(if: haveSubunitTools, "needs python-subunit's tools (scripts/install-deps puts them in .venv)"))
    func missedThresholdIsASubunitFailureAndExitOne() throws {
        let (exit, bytes) = try runRaw(["tcp", "--loopback", "-t", "0.5", "--expect-min", "100000Gbit", "--format", "subunit"])
        #expect(exit == 1)
        let (status, stats) = try pipe(bytes, to: "subunit-stats", ["--no-passthrough"])
        #expect(status != 0)
        #expect(PythonTools.count("Failed tests:", in: stats) == 1)
    }

    @Test func missedLatencyThresholdExitsOne() throws {
        let run = try runTool("ibbench", ["tcp", "--loopback", "rr", "-t", "0.5", "--expect-max-latency", "1ns"], timeout: 30)
        #expect(run.status == 1)
        #expect(run.stdout.contains("above --expect-max-latency 1 ns"))
    }

    /// A limit the mode does not measure would pass whatever happened.
    @Test(arguments: [
        (["tcp", "--loopback", "rr", "--expect-min", "1Gbit"], "Error: --expect-min: tcp rr measures round trips, not throughput; use --expect-max-latency"),
        (["tcp", "--loopback", "crr", "--expect-min", "1Gbit"], "Error: --expect-min: tcp crr measures round trips"),
        (["tcp", "--loopback", "--expect-max-latency", "1ms"], "Error: --expect-max-latency: tcp stream measures throughput, not round trips; use --expect-min, or rr"),
        (["udp", "--loopback", "rr", "--expect-min", "1Gbit"], "Error: --expect-min: udp rr measures round trips"),
        (["udp", "--loopback", "--expect-max-latency", "1ms"], "Error: --expect-max-latency: udp stream measures throughput"),
        (["udp", "--loopback", "rr", "--expect-max-loss", "1"], "Error: --expect-max-loss: udp rr counts lost transactions"),
        (["rdma", "10.0.0.2", "write", "bw", "--expect-max-latency", "1us"], "Error: --expect-max-latency: rdma write bw measures throughput, not round trips; use --expect-min, or lat"),
        (["rdma", "10.0.0.2", "send", "lat", "--expect-min", "1Gbit"], "Error: --expect-min: rdma send lat measures round trips"),
    ])
    func aThresholdTheModeDoesNotMeasureIsAUsageError(arguments: [String], stderr: String) throws {
        let run = try runTool("ibbench", arguments + ["-t", "0.3"], timeout: 30)
        #expect(run.status == 64, "\(run.stderr)")
        #expect(run.stderr.hasPrefix(stderr), "\(run.stderr)")
        #expect(run.stdout.isEmpty)
    }

    /// A pin to a CPU the process may not run on would silently not happen.
    @Test func aCPUThatIsNotThereIsRefused() throws {
        let client = try runTool("ibbench", ["tcp", "--loopback", "-t", "0.2", "--cpu", "1023"], timeout: 30)
        #expect(client.status == 64)
        #expect(client.stderr.contains("CPU 1023 is not one this process may run on"), "\(client.stderr)")
        let server = try runTool("ibbench", ["tcp", "--loopback", "-t", "0.2", "--cpu", "0,1023"], timeout: 30)
        #expect(server.status == 2)
        #expect(server.stderr.contains("server: --cpu ...,1023: on the server, CPU 1023 is not one this process may run on"),
                "\(server.stderr)")
        #expect(server.stderr.split(separator: "\n").count == 1)
    }

    @Test func refusedConnectionIsOneLineAndExitTwo() throws {
        let run = try runTool("ibbench", ["tcp", "127.0.0.1", "--port", "1", "-t", "1"], timeout: 30)
        #expect(run.status == 2)
        #expect(run.stderr == "Error: 127.0.0.1:1: cannot connect (ECONNREFUSED); is `ibbench serve` running there, on port 1?\n")
    }

    @Test func missingPeerIsAUsageError() throws {
        let run = try runTool("ibbench", ["tcp"], timeout: 30)
        #expect(run.status == 64)
        #expect(run.stderr.contains("give the PEER"))
    }

    @Test func sweepAloneTakesTheDefaultRangeAndWithMinMaxThatRange() throws {
        func testIDs(_ args: [String]) throws -> [String] {
            let run = try runTool("ibbench", ["tcp", "--loopback", "rr"] + args + ["--format", "json"], timeout: 60)
            #expect(run.status == 0, "\(args): \(run.stderr)")
            return run.stdout.split(separator: "\n").filter { $0.contains("\"event\":\"result\"") }.compactMap { line in
                line.firstRange(of: #""test":"ibbench.tcp.rr."#).map { r in
                    String(line[r.upperBound...].prefix { $0 != "\"" })
                }
            }
        }
        let everySize = (0...16).map { String(1 << $0) }
        #expect(try testIDs(["--sweep", "-t", "0.05"]) == everySize, "bare --sweep before another option")
        #expect(try testIDs(["-t", "0.05", "--sweep"]) == everySize, "bare --sweep at the end")
        #expect(try testIDs(["--sweep", "2:8", "-t", "0.05"]) == ["2", "4", "8"])
        let bad = try runTool("ibbench", ["tcp", "--loopback", "rr", "--sweep", "8:2"], timeout: 30)
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("--sweep"))
    }

    @Test func busyPollOutsideRequestResponseIsAUsageError() throws {
        let run = try runTool("ibbench", ["tcp", "127.0.0.1", "stream", "--busy-poll"], timeout: 30)
        #expect(run.status == 64)
        #expect(run.stderr.contains("--busy-poll applies to rr"))
    }

    @Test func busyPollRequestResponseOverLoopback() throws {
        let run = try runTool("ibbench", ["tcp", "--loopback", "rr", "--busy-poll", "-t", "0.5", "--format", "json"],
                              timeout: 30)
        #expect(run.status == 0)
        let last = run.stdout.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.contains("\"busypoll\":\"1\""))
        #expect(last.contains("\"transactions_per_second\""))
    }

    @Test func peerDeathEndsWithPartialResultsAndExitTwo() throws {
        let port = testPort(1)
        let server = try ChildProcess(product: "ibbench", ["serve", "--bind", "127.0.0.1", "--port", port])
        defer { server.kill(SIGTERM) }
        waitUntilListening(port)
        DispatchQueue.global().asyncAfter(deadline: .now() + 1.5) { server.kill() }
        let t0 = Date()
        let run = try runTool("ibbench", ["tcp", "127.0.0.1", "--port", port, "-t", "30", "--format", "json"], timeout: 60)
        #expect(Date().timeIntervalSince(t0) < 20, "the client noticed within its deadlines")
        #expect(run.status == 2)
        let last = run.stdout.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.contains("\"status\":\"error\""))
        #expect(last.contains("\"bytes_sent\"") || last.contains("\"bytes\""), "partial results kept")
        #expect(run.stderr.hasPrefix("Error: "))
    }

    @Test func serveOnceServesOneTestThenExits() throws {
        let port = testPort(2)
        let server = try ChildProcess(product: "ibbench", ["serve", "--bind", "127.0.0.1", "--port", port, "--once", "--token", "abc"])
        defer { server.kill(SIGTERM) }
        waitUntilListening(port)
        let run = try runTool("ibbench", ["tcp", "127.0.0.1", "--port", port, "rr", "-t", "0.5", "--token", "abc"], timeout: 30)
        #expect(run.status == 0, "\(run.stderr)")
        let deadline = Date().addingTimeInterval(5)
        while server.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(!server.isRunning)
    }
}

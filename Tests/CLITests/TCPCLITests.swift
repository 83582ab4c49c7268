import Foundation
import Testing

/// The project root (where Package.swift is), found from the built binaries' location.
private func projectRoot() -> URL {
    var dir = productPath("ibbench").deletingLastPathComponent()
    while dir.path != "/" {
        if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) { return dir }
        dir = dir.deletingLastPathComponent()
    }
    return dir
}

/// python-subunit's command-line tools, from `.venv/bin` (scripts/install-deps) or PATH.
private func subunitTool(_ name: String) -> String? {
    let venv = projectRoot().appendingPathComponent(".venv/bin/\(name)").path
    if FileManager.default.isExecutableFile(atPath: venv) { return venv }
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
        let p = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: p) { return p }
    }
    return nil
}

private let haveSubunitTools = subunitTool("subunit2junitxml") != nil && subunitTool("subunit-stats") != nil

/// Feeds `input` to a python-subunit tool; returns its exit status and stdout.
private func pipe(_ input: Data, to tool: String, _ args: [String] = []) throws -> (Int32, String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: tool)
    p.arguments = args
    let inPipe = Pipe(), outPipe = Pipe()
    p.standardInput = inPipe
    p.standardOutput = outPipe
    p.standardError = FileHandle.nullDevice
    try p.run()
    inPipe.fileHandleForWriting.write(input)
    try inPipe.fileHandleForWriting.close()
    let out = outPipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: out, as: UTF8.self))
}

/// A free-looking TCP port for a server this test starts (per-process, to avoid clashes).
private func testPort(_ offset: Int) -> String { String(20000 + Int(getpid() % 20000) + offset) }

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
        #expect(lines.first?.contains("\"event\":\"start\"") == true)
        #expect(lines.last?.contains("\"test\":\"ibbench.tcp.\(mode)\"") == true)
        #expect(lines.last?.contains("\"status\":\"success\"") == true)
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
        let run = try runTool("ibbench", ["tcp", "--loopback", "-P", "2", "-t", "1", "--interval", "0.5", "--format", "subunit"],
                              timeout: 30)
        #expect(run.status == 0)
        let bytes = Data(run.stdout.utf8)
        let (statsStatus, stats) = try pipe(bytes, to: subunitTool("subunit-stats")!)
        #expect(statsStatus == 0, "\(stats)")
        #expect(stats.contains("Total tests:   3"))
        #expect(stats.contains("Passed tests:  3"))
        let (xmlStatus, xml) = try pipe(bytes, to: subunitTool("subunit2junitxml")!)
        #expect(xmlStatus == 0)
        #expect(xml.contains("tests=\"3\"") && xml.contains("failures=\"0\""))
        #expect(xml.contains("ibbench.tcp.stream.stream1"))
    }

    @Test(.enabled(if: haveSubunitTools, "needs python-subunit's tools (scripts/install-deps puts them in .venv)"))
    func missedThresholdIsASubunitFailureAndExitOne() throws {
        let run = try runTool("ibbench", ["tcp", "--loopback", "-t", "0.5", "--expect-min", "100000Gbit", "--format", "subunit"],
                              timeout: 30)
        #expect(run.status == 1)
        let (status, stats) = try pipe(Data(run.stdout.utf8), to: subunitTool("subunit-stats")!)
        #expect(status != 0)
        #expect(stats.contains("Failed tests:  1"))
    }

    @Test func missedLatencyThresholdExitsOne() throws {
        let run = try runTool("ibbench", ["tcp", "--loopback", "rr", "-t", "0.5", "--expect-max-latency", "1ns"], timeout: 30)
        #expect(run.status == 1)
        #expect(run.stdout.contains("above --expect-max-latency 1 ns"))
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

    @Test func peerDeathEndsWithPartialResultsAndExitTwo() throws {
        let port = testPort(1)
        let server = Process()
        server.executableURL = productPath("ibbench")
        server.arguments = ["serve", "--bind", "127.0.0.1", "--port", port]
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { if server.isRunning { server.terminate() } }
        Thread.sleep(forTimeInterval: 0.5)
        DispatchQueue.global().asyncAfter(deadline: .now() + 1.5) { kill(server.processIdentifier, SIGKILL) }
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
        let server = Process()
        server.executableURL = productPath("ibbench")
        server.arguments = ["serve", "--bind", "127.0.0.1", "--port", port, "--once", "--token", "abc"]
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { if server.isRunning { server.terminate() } }
        Thread.sleep(forTimeInterval: 0.5)
        let run = try runTool("ibbench", ["tcp", "127.0.0.1", "--port", port, "rr", "-t", "0.5", "--token", "abc"], timeout: 30)
        #expect(run.status == 0, "\(run.stderr)")
        let deadline = Date().addingTimeInterval(5)
        while server.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(!server.isRunning)
    }
}

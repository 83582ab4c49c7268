import Foundation
import TestProcesses
import Testing

/// How a peer dies mid-run: killed (the kernel closes its sockets, so the other end sees a
/// reset or an end of file at once), or stopped (its sockets stay open and silent, so the other
/// end only learns of it from its own deadline).
enum PeerDeath: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case kill = "SIGKILL", stop = "SIGSTOP"

    var signal: Int32 { self == .kill ? SIGKILL : SIGSTOP }
    var testDescription: String { rawValue }
}

/// One kind of run whose peer dies: the command words after `ibbench` up to the peer's port
/// (`tcp 127.0.0.1 --port P stream`), and how long the run is planned to last.
struct DeathRun: Sendable, CustomTestStringConvertible {
    var command: String
    var mode: String

    var testDescription: String { "\(command) \(mode)" }

    /// The client's command line against 127.0.0.1:`port`.
    func arguments(port: String, format: String) -> [String] {
        [command, "127.0.0.1", "--port", port, mode, "-t", String(PeerDeathTests.duration),
         "--timeout", String(PeerDeathTests.timeout), "--format", format]
    }
}

/// Kill -9 and SIGSTOP of the server or the client mid-run, for every tcp and udp mode. The side that
/// survives ends within its deadline: a client exits 2 with its partial results in the chosen
/// format, a server frees the dead client's slot and serves the next one. Each case prints the time
/// measured from the signal, so the figures can be quoted.
///
/// The deadline is the run's `--timeout` past the planned end of the duration: a stopped peer
/// looks like a slow one until the duration has passed (TCP keeps a stopped process's sockets
/// open and acknowledged), while a killed one is seen at once. The bounds asserted are that
/// deadline plus 1 s, plus 4 s for a loaded two-core machine to schedule and start the
/// processes involved (the next client of a client-death case is a process of its own): they
/// catch a run that waits for the old fixed 10 s grace or hangs, never a slow machine.
@Suite(.serialized) struct PeerDeathTests {
    static let duration = 2.0
    static let timeout = 1.0
    /// Process starts and scheduling on a loaded machine, on top of `timeout + 1 s`.
    static let allowance = 4.0

    static let runs = ["stream", "reverse", "bidir", "rr", "crr"].map { DeathRun(command: "tcp", mode: $0) }
        + ["stream", "reverse", "bidir", "rr"].map { DeathRun(command: "udp", mode: $0) }
    static let formats = ["json", "subunit"]

    /// Ports clear of the other CLI tests' offsets (0-5, 8, 9) and of the mesh's (20 up).
    private static func port(_ offset: Int) -> String { String(10000 + Int(getpid() % 20000) + offset) }

    @Test(arguments: runs, PeerDeath.allCases)
    func serverDeathEndsTheClientWithPartialResultsAndExitTwo(run: DeathRun, death: PeerDeath) throws {
        for format in Self.formats {
            try serverDies(run: run, death: death, format: format)
        }
    }

    private func serverDies(run: DeathRun, death: PeerDeath, format: String) throws {
        let port = Self.port(6)
        let scratch = try Scratch()
        let server = try ChildProcess(productPath("ibbench"), ["serve", "--bind", "127.0.0.1", "--port", port],
                                      stderr: scratch.file("server.err"))
        defer { server.kill() }   // SIGKILL ends a stopped server too
        try #require(waitUntilListening(port), "ibbench serve listens within 10 s")
        let out = scratch.file("client.out"), err = scratch.file("client.err")
        let client = try ChildProcess(productPath("ibbench"), run.arguments(port: port, format: format),
                                      stdout: out, stderr: err)
        defer { client.kill() }
        let runStart = Date()
        try #require(waitForOutput(out), "the client reports its test started within 10 s")
        Thread.sleep(forTimeInterval: 0.7)   // into the data phase of the 2 s run
        try #require(client.isRunning, "the client still runs when the server dies")
        kill(server.pid, death.signal)
        let signalled = Date()
        // A stopped server shows only once the duration has passed; a killed one at once.
        let unseen = death == .stop ? max(0, Self.duration - signalled.timeIntervalSince(runStart)) : 0
        let bound = unseen + Self.timeout + 1 + Self.allowance
        let status = client.wait(seconds: bound + 10)
        let elapsed = Date().timeIntervalSince(signalled)
        print(String(format: "peer death: %@ %@, server %@, --format %@: client exited %@ %.2f s after the signal (bound %.1f s)",
                     run.command, run.mode, death.rawValue, format, status.map { String($0) } ?? "-", elapsed, bound))
        let stderr = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
        #expect(status == 2, "\(run) \(death) \(format): exit \(String(describing: status)); \(stderr)")
        #expect(elapsed <= bound, "\(run) \(death) \(format): \(elapsed) s > \(bound) s")
        #expect(stderr.hasPrefix("Error: ") && stderr.split(separator: "\n").count == 1, "one error line: \(stderr)")
        let bytes = try Data(contentsOf: out)
        switch format {
        case "json": try checkPartialJSON(bytes, test: "ibbench.\(run.command).\(run.mode)")
        default: try checkPartialSubunit(bytes)
        }
    }

    /// Every line is JSON; the run's total is the last result, an error with what was measured.
    private func checkPartialJSON(_ bytes: Data, test: String) throws {
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
        let objects = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(objects.count == lines.count, "every line is a JSON object")
        let results = objects.filter { $0["event"] as? String == "result" }
        let total = try #require(results.last { $0["test"] as? String == test }, "a result for \(test): \(lines)")
        #expect(total["status"] as? String == "error")
        #expect(!(total["reason"] as? String ?? "").isEmpty, "the result says why")
        let metrics = total["metrics"] as? [[String: Any]] ?? []
        #expect(metrics.contains { ($0["value"] as? Double ?? 0) > 0 }, "partial results kept: \(metrics)")
    }

    /// python-subunit reads the stream and counts the run as a failed test.
    private func checkPartialSubunit(_ bytes: Data) throws {
        guard PythonTools.find("subunit-stats") != nil else {
            #expect(!PythonTools.required, "\(PythonTools.reason)")
            return
        }
        let stats = try PythonTools.run("subunit-stats", ["--no-passthrough"], input: .bytes([UInt8](bytes)))
        #expect(stats.status != 0, "a failed test makes subunit-stats fail: \(stats.stdout)")
        #expect((PythonTools.count("Total tests:", in: stats.stdout) ?? 0) >= 1, "\(stats.stdout)")
        #expect((PythonTools.count("Failed tests:", in: stats.stdout) ?? 0) >= 1, "\(stats.stdout)")
        let xml = try PythonTools.run("subunit2junitxml", input: .bytes([UInt8](bytes)))
        #expect(xml.stdout.contains("<testsuite") && !xml.stdout.contains("failures=\"0\""), "\(xml.stdout)")
    }

    @Test(arguments: runs, PeerDeath.allCases)
    func clientDeathFreesItsSlotForTheNextClient(run: DeathRun, death: PeerDeath) throws {
        let port = Self.port(7)
        let scratch = try Scratch()
        // One client at a time: the next one is served only once the dead one's test is gone.
        let server = try ChildProcess(productPath("ibbench"),
                                      ["serve", "--bind", "127.0.0.1", "--port", port, "--max-clients", "1"],
                                      stderr: scratch.file("server.err"))
        defer { server.kill() }
        try #require(waitUntilListening(port), "ibbench serve listens within 10 s")
        let out = scratch.file("client.out")
        let client = try ChildProcess(productPath("ibbench"), run.arguments(port: port, format: "json"), stdout: out)
        defer { client.kill() }
        let runStart = Date()
        try #require(waitForOutput(out), "the client reports its test started within 10 s")
        Thread.sleep(forTimeInterval: 0.7)
        try #require(client.isRunning, "the client still runs when it dies")
        kill(client.pid, death.signal)
        let signalled = Date()
        let unseen = death == .stop ? max(0, Self.duration - signalled.timeIntervalSince(runStart)) : 0
        let bound = unseen + Self.timeout + 1 + Self.allowance
        // The next client: rr for 0.2 s, retried while the server says it is busy.
        var next = ProcessRun(status: -1, stdout: "", stderr: "")
        var servedAfter: Double?
        while Date().timeIntervalSince(signalled) < bound + 10 {
            next = try runTool("ibbench", ["tcp", "127.0.0.1", "--port", port, "rr", "-t", "0.2", "--format", "json"],
                               timeout: 30)
            if next.status == 0 { servedAfter = Date().timeIntervalSince(signalled); break }
            #expect(next.stderr.contains("busy"), "only a busy answer while the dead client's test lasts: \(next.stderr)")
            Thread.sleep(forTimeInterval: 0.1)
        }
        print(String(format: "peer death: %@ %@, client %@: the next client was served %@ s after the signal (bound %.1f s)",
                     run.command, run.mode, death.rawValue, servedAfter.map { String(format: "%.2f", $0) } ?? "never", bound))
        let served = try #require(servedAfter, "a next client is served; last answer: \(next.stderr)")
        #expect(served <= bound, "\(run) \(death): \(served) s > \(bound) s")
        #expect(next.stdout.contains("\"status\":\"success\""))
        #expect(server.isRunning, "ibbench serve keeps running")
    }
}

/// A scratch directory removed when the value goes.
private final class Scratch {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("ibkit-death-\(UUID().uuidString)")
    init() throws { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(at: url) }
    func file(_ name: String) -> URL { url.appendingPathComponent(name) }
}

/// Waits (up to 10 s) until `file` holds some output: the client's first line or packet, which
/// it writes once its control connection is up.
private func waitForOutput(_ file: URL) -> Bool {
    let deadline = Date().addingTimeInterval(10)
    while Date() < deadline {
        if let size = try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int, size > 0 { return true }
        Thread.sleep(forTimeInterval: 0.02)
    }
    return false
}

/// Waits (up to 10 s) until something listens on TCP `port`, read from /proc/net/tcp.
private func waitUntilListening(_ port: String) -> Bool {
    let hex = String(Int(port)!, radix: 16, uppercase: true)
    let needle = ":" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + " "
    let deadline = Date().addingTimeInterval(10)
    while Date() < deadline {
        let table = (try? String(contentsOfFile: "/proc/net/tcp", encoding: .utf8)) ?? ""
        if table.split(separator: "\n").contains(where: { $0.contains(needle) && $0.contains(" 0A ") }) { return true }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return false
}

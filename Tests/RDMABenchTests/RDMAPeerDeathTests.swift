import Foundation
import TestProcesses
import Testing
import BenchCore
@testable import RDMABench

/// Retries a short run until the server answers (at most 10 s).
func waitServing(port: UInt16) -> Bool {
    let deadline = Date().addingTimeInterval(10)
    while Date() < deadline {
        if runClient(RDMAOptions(peer: guestIP, port: port, sizes: [64], iterations: 10, timeout: 2)).1 == nil { return true }
        Thread.sleep(forTimeInterval: 0.2)
    }
    return false
}

/// How a peer dies mid-run: killed (its QPs and sockets close, the other end sees a disconnect
/// at once) or stopped (everything stays open and silent; only a deadline tells).
enum RDMAPeerDeath: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case kill = "SIGKILL", stop = "SIGSTOP"
    var signal: Int32 { self == .kill ? SIGKILL : SIGSTOP }
    var testDescription: String { rawValue }
}

/// The verb each mode runs with here: bw as send, whose receives the server's process must
/// post (a stopped server's rxe QP would go on taking one-sided writes in the kernel), lat as
/// write, a ping-pong both processes drive.
enum DeathMode: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case bw, lat
    var words: [String] { self == .bw ? ["send", "bw"] : ["write", "lat"] }
    var testDescription: String { words.joined(separator: " ") }
}

/// Packets the guest's RDMA device has sent (rxe's `sent_pkts` counter), nil without one.
private func sentPackets() -> Int? {
    let dev = ProcessInfo.processInfo.environment["RXEVM_DEV"] ?? "rxe0"
    return (try? String(contentsOfFile: "/sys/class/infiniband/\(dev)/ports/1/hw_counters/sent_pkts", encoding: .utf8))
        .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
}

/// Why a client's data loop was not seen running.
private enum NotRunning: CustomStringConvertible {
    /// It ended first; what it said on stderr.
    case ended(stderr: String, packets: Int)
    /// Still running, with no traffic after the wait's bound.
    case silent(packets: Int)

    /// It ended on an rdma_cm step that timed out: it never got to connect.
    var connectTimedOut: Bool {
        if case .ended(let said, _) = self { said.contains("rdma_cm") && said.contains("timed out") } else { false }
    }

    var description: String {
        switch self {
        case .ended(let said, let packets): "the client ended before its data loop ran (\(packets) packets): \(said)"
        case .silent(let packets): "no data loop within 90 s: \(packets) packets"
        }
    }
}

/// Waits until the data loop runs: a thousand packets more than `before`, more than
/// connecting takes; then half a second into the run. Without the counter, 3 s. Nil when it
/// runs; else why not. The 90 s bound only catches a hang: a debug binary starting in the
/// emulated guest of a loaded host has taken over 20 s.
private func waitMeasuring(since before: Int?, client: ChildProcess, stderr: URL) -> NotRunning? {
    guard let before else { Thread.sleep(forTimeInterval: 3); return nil }
    let deadline = Date().addingTimeInterval(90)
    while Date() < deadline {
        if let now = sentPackets(), now - before > 1000 { Thread.sleep(forTimeInterval: 0.5); return nil }
        if !client.isRunning {
            return .ended(stderr: (try? String(contentsOf: stderr, encoding: .utf8)) ?? "",
                          packets: (sentPackets() ?? before) - before)
        }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return .silent(packets: (sentPackets() ?? before) - before)
}

/// A client of these tests, started and measuring, with its output in `dir`.
private struct MeasuringClient {
    let process: ChildProcess
    let out: URL, err: URL

    /// Starts `ibbench ARGS` and waits for its data loop. The tests' `--timeout 1` also bounds
    /// each rdma_cm step, and the emulated guest of a loaded host has taken longer than that to
    /// connect; a client that ended so, before its loop ran, is started again (5 tries): these
    /// tests are about what follows.
    init(_ arguments: [String], in dir: URL) throws {
        out = dir.appendingPathComponent("out")
        err = dir.appendingPathComponent("err")
        var tries = 0
        while true {
            tries += 1
            let sentBefore = sentPackets()
            let client = try ChildProcess(productPath("ibbench"), arguments, stdout: out, stderr: err)
            guard let notRunning = waitMeasuring(since: sentBefore, client: client, stderr: err) else {
                process = client
                return
            }
            client.kill()
            guard notRunning.connectTimedOut, tries < 5 else {
                throw NotMeasuring(description: "the client does not measure (try \(tries)): \(notRunning)")
            }
            print("peer death: try \(tries): \(String(describing: notRunning).split(separator: "\n").first ?? ""); starting the client again")
        }
    }
}

private struct NotMeasuring: Error, CustomStringConvertible { let description: String }

/// A new directory of the test's own (the caller removes it).
private func scratchDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("ibkit-rdma-death-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Kill -9 and SIGSTOP of the server or the client mid-run, bw and lat. The client exits 2
/// within its `--timeout` + 1 s with its partial result as a JSON line; a server serves the
/// next client. Each case prints the time measured from the signal. The bounds add 4 s to
/// `timeout + 1 s` for process starts and scheduling in an emulated two-vCPU guest, so they
/// catch a run that waits out its time limit or hangs, never a slow machine.
@Suite(.serialized, .enabled(if: inRXEGuest, "needs an RDMA device: run through scripts/rxe-vm"))
struct RDMAPeerDeathTests {
    static let timeout = 1.0
    static let allowance = 4.0

    @Test(arguments: DeathMode.allCases, RDMAPeerDeath.allCases)
    func serverDeathEndsTheClientWithItsPartialResultAndExitTwo(mode: DeathMode, death: RDMAPeerDeath) throws {
        let server = try ChildProcess(product: "ibbench", ["serve", "--port", "7611"])
        defer { server.kill() }   // SIGKILL ends a stopped server too
        try #require(waitServing(port: 7611), "ibbench serve answers within 10 s")
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let measuring = try MeasuringClient(["rdma", guestIP] + mode.words + ["--port", "7611", "-t", "60",
                                             "--timeout", String(Self.timeout), "--format", "json"], in: dir)
        let client = measuring.process
        defer { client.kill() }
        try #require(client.isRunning, "the client still runs when the server dies")
        kill(server.pid, death.signal)
        let signalled = Date()
        let bound = Self.timeout + 1 + Self.allowance
        let status = client.wait(seconds: bound + 20)
        let elapsed = Date().timeIntervalSince(signalled)
        print(String(format: "peer death: rdma %@, server %@, --format json: client exited %@ %.2f s after the signal (bound %.1f s)",
                     mode.testDescription, death.rawValue, status.map { String($0) } ?? "-", elapsed, bound))
        try expectErrorExitWithPartialResult(status: status, elapsed: elapsed, bound: bound,
                                             out: measuring.out, err: measuring.err)
    }

    /// One-sided verbs against a stopped server: rxe completes writes and reads in the
    /// server's kernel, so the client measures on to the end of its duration and only then
    /// finds the server silent. It waits `--timeout` for the server's results, then exits 2
    /// with its own half as a partial result. Bound: the rest of the duration, plus the timeout.
    @Test(arguments: [RDMAVerb.write, .read])
    func oneSidedBandwidthAgainstAStoppedServerEndsAfterItsDurationAndTimeout(verb: RDMAVerb) throws {
        let duration = 4.0
        let server = try ChildProcess(product: "ibbench", ["serve", "--port", "7614"])
        defer { server.kill() }
        try #require(waitServing(port: 7614), "ibbench serve answers within 10 s")
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let measuring = try MeasuringClient(["rdma", guestIP, verb.rawValue, "bw", "--port", "7614", "-t", String(duration),
                                             "--timeout", String(Self.timeout), "--format", "json"], in: dir)
        let client = measuring.process
        defer { client.kill() }
        try #require(client.isRunning, "the client still runs when the server stops")
        kill(server.pid, SIGSTOP)
        let signalled = Date()
        let bound = duration + Self.timeout + 1 + Self.allowance
        let status = client.wait(seconds: bound + 20)
        let elapsed = Date().timeIntervalSince(signalled)
        print(String(format: "peer death: rdma %@ bw, server SIGSTOP, --format json: client exited %@ %.2f s after the signal (-t %.0f, bound %.1f s)",
                     verb.rawValue, status.map { String($0) } ?? "-", elapsed, duration, bound))
        try expectErrorExitWithPartialResult(status: status, elapsed: elapsed, bound: bound,
                                             out: measuring.out, err: measuring.err)
    }

    /// Exit 2 within `bound`, one error line on stderr, and JSON lines on stdout ending in an
    /// error result that keeps what the client measured.
    private func expectErrorExitWithPartialResult(status: Int32?, elapsed: Double, bound: Double,
                                                  out: URL, err: URL) throws {
        let stderr = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
        #expect(status == 2, "exit \(String(describing: status)); \(stderr)")
        #expect(elapsed <= bound, "\(elapsed) s > \(bound) s")
        #expect(stderr.hasPrefix("Error: ") && stderr.split(separator: "\n").count == 1, "one error line: \(stderr)")
        let lines = String(decoding: try Data(contentsOf: out), as: UTF8.self).split(separator: "\n")
        let objects = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(objects.count == lines.count, "every line is a JSON object")
        let result = try #require(objects.last { $0["event"] as? String == "result" }, "a partial result: \(lines)")
        #expect(result["status"] as? String == "error")
        #expect(!(result["reason"] as? String ?? "").isEmpty)
        let metrics = result["metrics"] as? [[String: Any]] ?? []
        #expect(metrics.contains { $0["name"] as? String == "message_rate" && ($0["value"] as? Double ?? 0) > 0 },
                "partial results kept: \(metrics)")
    }

    /// A killed client's test goes at once, so even `--max-clients 1` serves the next client.
    /// A stopped one's lasts until the run's time limit (the server cannot tell a stopped client
    /// from a slow one before that), so there the next client takes the second slot.
    @Test(arguments: DeathMode.allCases, RDMAPeerDeath.allCases)
    func clientDeathLeavesTheServerServing(mode: DeathMode, death: RDMAPeerDeath) throws {
        let server = try ServerThread(port: 7612, maxClients: death == .kill ? 1 : 2)
        defer { server.stop() }
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let client = try MeasuringClient(["rdma", guestIP] + mode.words + ["--port", "7612", "-t", "60",
                                          "--timeout", String(Self.timeout)], in: dir).process
        defer { client.kill() }
        try #require(client.wait(seconds: 0) == nil, "the client was still running")
        kill(client.pid, death.signal)
        let signalled = Date()
        let bound = Self.timeout + 1 + Self.allowance
        var served: Double?
        var last: RDMAError?
        while served == nil && Date().timeIntervalSince(signalled) < bound + 20 {
            let (results, error) = runClient(RDMAOptions(peer: guestIP, port: 7612, verb: .write, mode: .lat,
                                                         sizes: [64], iterations: 100, timeout: 15))
            if error == nil, results.first?.status == .success { served = Date().timeIntervalSince(signalled) }
            last = error
            if served == nil { Thread.sleep(forTimeInterval: 0.2) }
        }
        print(String(format: "peer death: rdma %@, client %@: the next client was served %@ s after the signal (bound %.1f s)",
                     mode.testDescription, death.rawValue, served.map { String(format: "%.2f", $0) } ?? "never", bound))
        let after = try #require(served, "a next client is served: \(String(describing: last))")
        #expect(after <= bound)
    }

    @Test func serveOnceExitsAfterOneRDMARun() throws {
        let server = try ChildProcess(product: "ibbench", ["serve", "--once", "--port", "7613"])
        var ended: Int32?
        defer { if ended == nil { server.kill() } }
        #expect(server.wait(seconds: 1) == nil, "serve --once waits for a test")
        #expect(waitServing(port: 7613), "ibbench serve answers within 10 s and serves the run")
        ended = server.wait(seconds: 60)
        #expect(ended == 0, "serve --once exited 0 after one RDMA run")
        let (_, error) = runClient(RDMAOptions(peer: guestIP, port: 7613, sizes: [64], iterations: 10, timeout: 2))
        #expect(error != nil, "nobody serves a second run")
    }

    @Test func cliErrorsAreOneLineAndExitTwo() throws {
        // The exit statuses are the point, not the time: a debug binary starting inside the
        // emulated guest of a loaded host has taken over 20 s, so the waits only bound a hang.
        let none = try ChildProcess(product: "ibbench", ["rdma", guestIP, "--port", "7699", "--iters", "10"])
        #expect(none.wait(seconds: 120) == 2)
        let usage = try ChildProcess(product: "ibbench", ["rdma", guestIP, "--qps", "0"])
        #expect(usage.wait(seconds: 120) == 64)
    }
}

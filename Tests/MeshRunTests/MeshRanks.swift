import Foundation
import TestProcesses
import Testing

/// Ports for one test's ranks: the servers' port and the coordinator's (the next one). Per
/// test process and below Linux's ephemeral range (32768 up), clear of the offsets 0-5
/// the CLI and peer-tool tests take; `slot` tells this suite's tests apart.
func meshPorts(slot: Int) -> (server: Int, coordinator: Int) {
    let base = 10000 + Int(getpid() % 19900) + 20 + 2 * slot
    return (base, base + 1)
}

/// The loopback addresses of `count` ranks: 127.0.0.1, 127.0.0.2, … (all of 127/8 is loopback).
func loopbackHosts(_ count: Int) -> [String] { (1...count).map { "127.0.0.\($0)" } }

/// One `ibbench mesh` process, its stdout and stderr going to files in `directory`.
final class MeshRank {
    let rank: Int
    private let child: ChildProcess
    let stdoutURL: URL
    let stderrURL: URL

    /// - Parameter namespace: run it inside this network namespace (`ip netns exec`).
    init(rank: Int, arguments: [String], directory: URL, namespace: String? = nil) throws {
        self.rank = rank
        stdoutURL = directory.appendingPathComponent("rank\(rank).out")
        stderrURL = directory.appendingPathComponent("rank\(rank).err")
        let ibbench = productPath("ibbench")
        if let namespace {
            child = try ChildProcess(URL(fileURLWithPath: "/usr/sbin/ip"),
                                     ["netns", "exec", namespace, ibbench.path, "mesh"] + arguments,
                                     stdout: stdoutURL, stderr: stderrURL)
        } else {
            child = try ChildProcess(ibbench, ["mesh"] + arguments, stdout: stdoutURL, stderr: stderrURL)
        }
    }

    /// Waits at most `seconds` for the process to end; kills it after that (and the test
    /// then fails on the status, 137). A signal's end reads as a shell shows it, 128 + signal.
    @discardableResult
    func wait(seconds: Double) -> Int32 {
        if let status = child.wait(seconds: seconds) { return child.endedBySignal ? 128 + status : status }
        Issue.record("rank \(rank) still running after \(seconds) s; killed")
        child.kill()
        return 128 + SIGKILL
    }

    func signal(_ sig: Int32) { kill(child.pid, sig) }

    var output: Data { (try? Data(contentsOf: stdoutURL)) ?? Data() }
    var stdout: String { String(decoding: output, as: UTF8.self) }
    var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }
}

/// A scratch directory for one test, under the system's temporary directory.
func scratchDirectory(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("ibkit-mesh-\(name)-\(getpid())")
    try? FileManager.default.removeItem(at: url)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Polls `condition` every 50 ms for at most `seconds`; true when it held.
func eventually(seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(50_000)
    }
    return condition()
}

/// One line of results.jsonl, as far as the tests look at it.
struct JournalLine: Decodable {
    var from: String
    var to: String
    var phase: String
    var status: String
    var bandwidth_bps: Double?
    var latency_ns: Double?

    var link: String { "\(from)-\(to)" }
}

func journal(_ url: URL) -> [JournalLine] {
    guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
    return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(JournalLine.self, from: Data($0.utf8)) }
}

/// Every directed link between `hosts`, as `a-b`.
func directedLinks(_ hosts: [String]) -> Set<String> {
    Set(hosts.flatMap { a in hosts.filter { $0 != a }.map { "\(a)-\($0)" } })
}

/// The summary.json fields the tests check.
struct SummaryFile: Decodable {
    var status: String
    var exit_status: Int
    var unreachable: [String]
    var missing: [String]
    var hosts: [String]
}

func summary(_ directory: URL) throws -> SummaryFile {
    try JSONDecoder().decode(SummaryFile.self, from: Data(contentsOf: directory.appendingPathComponent("summary.json")))
}

import Foundation
import TestProcesses
import Testing

/// The client's main thread runs the control connection. While the data threads run it has
/// nothing to do, and it must sleep until the server says something or a thread ends: a wait
/// that polled would wake it many times a second, on the CPU an rr client shares with it.
@Suite struct ControlWaitTests {
    /// The times a thread of `pid` has slept (`voluntary_ctxt_switches`); nil once it is gone.
    private static func sleeps(pid: pid_t, thread: pid_t) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/task/\(thread)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("voluntary_ctxt_switches:") {
            return Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    /// The `interval` lines written to `file` so far.
    private static func intervals(in file: URL) -> Int {
        let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").filter { $0.contains(#""event":"interval""#) }.count
    }

    /// Waits (bounded) until `file` holds at least `count` interval lines.
    private static func awaitIntervals(_ count: Int, in file: URL, child: ChildProcess) -> Bool {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline && child.isRunning {
            if intervals(in: file) >= count { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return intervals(in: file) >= count
    }

    @Test("the client's control thread sleeps while the data threads run", arguments: [
        ["tcp", "--loopback", "rr"],
        ["tcp", "--loopback", "stream", "-P", "2"],
        ["udp", "--loopback", "stream", "-b", "100M"],
    ])
    func controlThreadSleepsWhileStreamsRun(test: [String]) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ibkit-wait-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out.json")
        // Interval lines come from their own thread: they mark the test's progress without
        // waking the main thread, whose id is the process's.
        let child = try ChildProcess(productPath("ibbench"), test + ["-t", "8", "--interval", "1", "--format", "json"],
                                     stdout: out)
        let pid = child.pid
        #expect(Self.awaitIntervals(2, in: out, child: child), "the test reports its first spans")
        let before = try #require(Self.sleeps(pid: pid, thread: pid))
        #expect(Self.awaitIntervals(4, in: out, child: child), "the test reports two spans more")
        let after = try #require(Self.sleeps(pid: pid, thread: pid))
        // The run's end wakes the thread, and a loaded machine could delay these readings past
        // it. With fewer than 7 of the 8 spans out after them, they came a second or more before.
        let stillRunning = Self.intervals(in: out) < 7
        #expect(child.wait(seconds: 60) == 0)
        if stillRunning {
            // Two seconds of the test between the readings: a 50 ms poll would have slept 40 times.
            #expect(after - before <= 2, "the control thread woke \(after - before) times in two spans")
        }
    }
}

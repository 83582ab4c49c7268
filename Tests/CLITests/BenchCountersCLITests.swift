import Foundation
import TestProcesses
import Testing

/// `ibbench tcp|udp --counters`: the built binary reading a sysfs tree that the test
/// rewrites while the benchmark runs.
@Suite struct BenchCountersCLITests {
    private func makeTree() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ibkit-bench-counters-\(UUID().uuidString)")
        try write(root, ["port_xmit_data": 100, "port_rcv_data": 100, "symbol_error": 0, "port_xmit_wait": 0])
        return root
    }

    private func write(_ root: URL, _ values: [String: UInt64]) throws {
        let dir = root.appendingPathComponent("sys/class/infiniband/mlx5_0/ports/1/counters")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, value) in values { try "\(value)\n".write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
    }

    @Test(arguments: ["tcp", "udp"])
    func countersThatMovedAreInTheResultAndErrorsFailIt(command: String) throws {
        let root = try makeTree()
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("out.json")
        let client = try ChildProcess(productPath("ibbench"), [command, "--loopback", "-t", "3", "--counters", "mlx5_0:1",
                                                               "--sysfs-root", root.path, "--format", "json"], stdout: out)
        // The "HCA" counts once the test has started (its start line follows the first read).
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, !((try? String(contentsOf: out, encoding: .utf8)) ?? "").contains("\"event\":\"start\"") {
            Thread.sleep(forTimeInterval: 0.02)
        }
        try write(root, ["port_xmit_data": 600, "symbol_error": 3])
        let status = client.wait(seconds: 30)
        let stdout = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
        #expect(status == 1, "\(stdout)")
        let last = try #require(stdout.split(separator: "\n").last)
        let total = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
        #expect(total["status"] as? String == "fail")
        #expect((total["reason"] as? String)?.contains("mlx5_0:1 symbol_error +3") == true)
        let metrics = total["metrics"] as? [[String: Any]] ?? []
        func value(_ name: String) -> Double? { metrics.first { $0["name"] as? String == name }?["value"] as? Double }
        #expect(value("counter_mlx5_0_1_port_xmit_data") == 500)
        #expect(value("counter_mlx5_0_1_bytes_sent") == 2000)
        #expect(value("counter_mlx5_0_1_port_rcv_data") == nil, "what did not move is left out")
    }

    @Test func aPortThatIsNotThereEndsTheRunBeforeItStarts() throws {
        let root = try makeTree()
        defer { try? FileManager.default.removeItem(at: root) }
        let run = try runTool("ibbench", ["tcp", "--loopback", "--counters", "mlx4_0", "--sysfs-root", root.path], timeout: 30)
        #expect(run.status == 2)
        #expect(run.stderr.contains("--counters mlx4_0") && run.stderr.contains("no such port"), "\(run.stderr)")
        #expect(!run.stdout.contains("ibbench.tcp.stream"), "no test ran")
    }

    @Test func aTargetThatIsNoPortIsAUsageError() throws {
        let run = try runTool("ibbench", ["udp", "--loopback", "--counters", "mlx5_0:x"], timeout: 30)
        #expect(run.status == 64)
        #expect(run.stderr.hasPrefix("Error: --counters mlx5_0:x"), "\(run.stderr)")
    }
}

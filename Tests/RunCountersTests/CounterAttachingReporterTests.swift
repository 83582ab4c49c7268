import BenchCore
import Fabric
import Foundation
import RunCounters
import SystemPackage
import Synchronization
import Testing

/// A sysfs tree with one port's counter files, rewritten by the test as an HCA would count.
private struct Port {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("ibkit-run-counters-\(UUID().uuidString)")

    func set(_ values: [String: UInt64], kind: String = "counters") throws {
        let dir = root.appendingPathComponent("sys/class/infiniband/mlx5_0/ports/1/\(kind)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, value) in values { try "\(value)\n".write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
    }

    var path: FilePath { FilePath(root.path) }
    func remove() { try? FileManager.default.removeItem(at: root) }
}

private final class Recorder: Reporter {
    let results = Mutex<[(BenchResult, String?)]>([])
    func started(test: String, route: String?) {}
    func interval(_ sample: IntervalSample) {}
    func finished(_ result: BenchResult, route: String?) { results.withLock { $0.append((result, route)) } }
}

@Suite struct CounterAttachingReporterTests {
    private let base: [String: UInt64] = ["port_xmit_data": 1000, "port_rcv_data": 2000, "port_xmit_packets": 10,
                                          "symbol_error": 0, "port_xmit_wait": 5]

    @Test func whatMovedDuringTheTestIsAttachedToItsResult() throws {
        let port = Port()
        defer { port.remove() }
        try port.set(base)
        try port.set(["out_of_buffer": 0], kind: "hw_counters")
        let recorder = Recorder()
        let reporter = try CounterAttachingReporter(wrapping: recorder, root: port.path, target: CounterTarget())
        try port.set(["port_xmit_data": 1100])   // before the test: not its traffic
        reporter.started(test: "ibbench.tcp.stream", route: nil)
        try port.set(["port_xmit_data": 1600, "port_xmit_packets": 13, "port_xmit_wait": 9])
        reporter.finished(BenchResult(test: "ibbench.tcp.stream.stream0", tool: "ibbench", transport: .tcp), route: "0")
        reporter.finished(BenchResult(test: "ibbench.tcp.stream", tool: "ibbench", transport: .tcp), route: nil)
        let results = recorder.results.withLock { $0 }
        #expect(results.count == 2)
        #expect(results[0].0.metrics.isEmpty, "a stream's result is passed on as it is")
        let total = results[1].0
        #expect(total.status == .success)
        #expect(total.metric("counter_mlx5_0_1_port_xmit_data")?.value == 500)
        #expect(total.metric("counter_mlx5_0_1_port_xmit_packets")?.value == 3)
        #expect(total.metric("counter_mlx5_0_1_port_xmit_wait")?.value == 4)
        #expect(total.metric("counter_mlx5_0_1_bytes_sent")?.value == 2000, "4-octet words")
        #expect(total.metric("counter_mlx5_0_1_bytes_received")?.value == 0)
        #expect(total.metric("counter_mlx5_0_1_symbol_error") == nil, "only what moved")
    }

    @Test func anErrorCounterThatMovedFailsAPassingResult() throws {
        let port = Port()
        defer { port.remove() }
        try port.set(base)
        try port.set(["out_of_buffer": 0], kind: "hw_counters")
        let recorder = Recorder()
        let reporter = try CounterAttachingReporter(wrapping: recorder, root: port.path, target: CounterTarget())
        reporter.started(test: "ibbench.rdma.write.bw", route: nil)
        try port.set(["symbol_error": 2])
        try port.set(["out_of_buffer": 7], kind: "hw_counters")
        reporter.finished(BenchResult(test: "ibbench.rdma.write.bw", tool: "ibbench", transport: .rdma), route: nil)
        let total = try #require(recorder.results.withLock { $0 }.last?.0)
        #expect(total.status == .fail)
        #expect(total.reason == "error counters moved during the test: mlx5_0:1 hw.out_of_buffer +7, mlx5_0:1 symbol_error +2; see ibsetup counters")
        #expect(total.metric("counter_mlx5_0_1_hw_out_of_buffer")?.value == 7)
    }

    @Test func aPortThatIsNotThereIsAnErrorBeforeAnyTest() throws {
        let port = Port()
        defer { port.remove() }
        try port.set(base)
        #expect(throws: CounterReadError.self) {
            try CounterAttachingReporter(wrapping: Recorder(), root: port.path, target: CounterTarget(device: "mlx4_0"))
        }
    }
}

import Foundation
import TestProcesses
import Testing

/// `ibbench rdma --counters` on the Soft-RoCE device: rxe's driver counters move with the
/// test's packets and come back in its result.
@Suite(.serialized, .enabled(if: inRXEGuest, "needs an RDMA device: run through scripts/rxe-vm"))
struct RDMACountersVMTests {
    @Test func driverCountersOfTheRunAreInItsResult() throws {
        let device = ProcessInfo.processInfo.environment["RXEVM_DEV"] ?? "rxe0"
        let server = try ChildProcess(product: "ibbench", ["serve", "--port", "7631"])
        defer { server.kill() }
        #expect(waitServing(port: 7631), "ibbench serve answers within 10 s")
        let run = try runProduct("ibbench", ["rdma", guestIP, "write", "bw", "--port", "7631", "-t", "1",
                                             "--counters", "\(device):1", "--format", "json"], timeout: 60)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let last = try #require(run.stdout.split(separator: "\n").last)
        let total = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
        let metrics = total["metrics"] as? [[String: Any]] ?? []
        func value(_ name: String) -> Double { metrics.first { $0["name"] as? String == name }?["value"] as? Double ?? 0 }
        let prefix = "counter_\(device)_1_hw_"
        #expect(value(prefix + "sent_pkts") > 100 && value(prefix + "rcvd_pkts") > 100,
                "\(metrics.compactMap { $0["name"] as? String }.filter { $0.hasPrefix("counter_") })")
    }
}

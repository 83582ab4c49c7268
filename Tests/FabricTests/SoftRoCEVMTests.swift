import Fabric
import Foundation
import TestProcesses
import Testing

/// Runs inside the Soft-RoCE guest (`scripts/rxe-vm`, which sets
/// RXEVM_GUEST=1): what discovery reads from the live sysfs must match what
/// `ibv_devinfo -v` and `rdma link` report for rxe0.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["RXEVM_GUEST"] == "1",
                "needs the Soft-RoCE guest of scripts/rxe-vm (RXEVM_GUEST=1)"))
struct SoftRoCEVMTests {
    static var device: String { ProcessInfo.processInfo.environment["RXEVM_DEV"] ?? "rxe0" }

    func run(_ tool: String, _ arguments: [String]) throws -> String {
        try runProcess(URL(fileURLWithPath: "/usr/bin/env"), [tool] + arguments).stdout
    }

    /// `key:  value` lines of `ibv_devinfo -v`, first occurrence wins.
    func devinfo() throws -> [String: String] {
        var fields: [String: String] = [:]
        for line in try run("ibv_devinfo", ["-v", "-d", Self.device]).split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let key = parts[0].trimmingCharacters(in: .whitespaces)
            if fields[key] == nil { fields[key] = parts[1].trimmingCharacters(in: .whitespaces) }
        }
        return fields
    }

    /// rxe has no performance agent (no ports/1/counters) but driver counters that move
    /// with RoCE traffic: a perftest run between two ends on rxe0 shows in them, and no
    /// error counter moves.
    @Test func portCountersMoveWithTraffic() throws {
        let target = CounterTarget(device: Self.device, port: 1)
        let before = try #require(try PortCounters.read(root: "/", target: target).first)
        #expect(before.counters.isEmpty)
        #expect(before.hardware["sent_pkts"] != nil && before.hardware["rcvd_pkts"] != nil, "\(before.hardware)")
        let ip = ProcessInfo.processInfo.environment["RXEVM_IP"] ?? "10.200.0.1"
        let server = try ChildProcess(URL(fileURLWithPath: "/usr/bin/ib_send_lat"), ["-R", "-n", "200", "-d", Self.device])
        defer { server.kill() }
        var client = try runProcess(URL(fileURLWithPath: "/usr/bin/ib_send_lat"), ["-R", "-n", "200", "-d", Self.device, ip],
                                    timeout: 60)
        for _ in 0..<10 where client.status != 0 {
            // The server may not listen yet.
            Thread.sleep(forTimeInterval: 0.5)
            client = try runProcess(URL(fileURLWithPath: "/usr/bin/ib_send_lat"), ["-R", "-n", "200", "-d", Self.device, ip],
                                    timeout: 60)
        }
        #expect(client.status == 0, "\(client.stderr)")
        let after = try #require(try PortCounters.read(root: "/", target: target).first)
        let delta = CounterDelta(from: before, to: after, seconds: 1)
        #expect((delta.changes["hw.sent_pkts"] ?? 0) >= 200 && (delta.changes["hw.rcvd_pkts"] ?? 0) >= 200, "\(delta.changes)")
        #expect(delta.errors.isEmpty, "\(delta.errors)")
    }

    @Test func discoveryMatchesIbvDevinfo() throws {
        let snapshot = FabricSnapshot.read()
        let hca = try #require(snapshot.hca(named: Self.device))
        let port = try #require(hca.port(1))
        let info = try devinfo()
        #expect(info["node_guid"] == hca.nodeGUID?.description)
        #expect(info["sys_image_guid"] == hca.systemImageGUID?.description)
        #expect(info["state"] == "PORT_\(port.state?.description ?? "?") (\(port.state?.rawValue ?? -1))")
        #expect(info["link_layer"] == "Ethernet")
        #expect(port.linkLayer == .ethernet)
        #expect(info["sm_lid"] == String(port.smLID ?? 9999))
        #expect(info["port_lid"] == String(port.lid ?? 9999))
        #expect(snapshot.interfaces.isEmpty, "no IPoIB on Soft-RoCE")
        #expect(PortSubnetManager(judging: port).presence == .notNeeded)
        #expect(snapshot.problems.isEmpty, "\(snapshot.problems)")
    }

    @Test func discoveryMatchesRdmaLink() throws {
        let snapshot = FabricSnapshot.read()
        let port = try #require(snapshot.hca(named: Self.device)?.port(1))
        // link rxe0/1 state ACTIVE physical_state LINK_UP netdev dummy0
        let line = try #require(try run("rdma", ["link", "show", "\(Self.device)/1"]).split(separator: "\n").first)
        let words = line.split(separator: " ").map(String.init)
        func after(_ key: String) -> String? { words.firstIndex(of: key).map { words[$0 + 1] } }
        #expect(after("state") == port.state?.description)
        #expect(after("physical_state") == "LINK_UP" && port.physicalState == .linkUp)
        #expect(after("netdev") == port.ethernetNetdev)
        let json = statusReport(json: true)
        #expect(json.ending == .done)
        #expect(json.output.contains("\"link_layer\": \"Ethernet\""))
        #expect(json.output.contains("\"ipoib\": []"))
        #expect(subnetManagerCheck().ending == .done)
    }

    @Test func verbsAgreeWithSysfs() {
        let check = VerbsCrossCheck(comparing: FabricSnapshot.read())
        #expect(check.checked)
        #expect(check.differences == [])
        #expect(statusReport(json: true).output.contains("\"checked\": true"))
    }
}

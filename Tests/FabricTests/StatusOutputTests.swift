import Fabric
import Foundation
import SysfsFixtures
import Testing

/// `ibsetup status` and `ibsetup sm` output from the fixture trees.
@Suite struct StatusOutputTests {
    @Test func tableOfTheDualPortCardOnAnOldKernel() throws {
        let root = try FixtureTrees.root("f3")
        defer { FixtureTrees.remove(root) }
        let outcome = statusReport(root: root)
        #expect(outcome.ending == .done)
        #expect(outcome.output == """
            DEVICE  PORT  STATE   PHYS    RATE                LINK        LID  SM           NETDEV  MODE      MTU   CM
            mlx4_0  1     ACTIVE  LinkUp  56 Gb/sec (4X FDR)  InfiniBand  0x3  0x3 (local)  ib0     datagram  2044  yes
            mlx4_0  2     ACTIVE  LinkUp  56 Gb/sec (4X FDR)  InfiniBand  0x2  0x2 (local)  ib1     datagram  2044  yes
            ib0: ready: datagram, MTU 2044; fix: ibsetup up ib0
            ib1: ready: datagram, MTU 2044; fix: ibsetup up ib1

            """)
    }

    @Test func filterByInterfaceShowsItsPortOnly() throws {
        let root = try FixtureTrees.root("f")
        defer { FixtureTrees.remove(root) }
        let outcome = statusReport(root: root, filter: "ib1")
        let lines = outcome.output.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[1].hasPrefix("mlx4_0  2 "))
        #expect(lines[2] == "ib1: ready: datagram, MTU 2044; fix: ibsetup up ib1")
        let json = statusReport(root: root, filter: "ib1", json: true).output
        #expect(json.contains("\"name\": \"ib1\""))
        #expect(!json.contains("\"name\": \"ib0\""))
    }

    @Test func unknownFilterIsAnError() throws {
        let root = try FixtureTrees.root("a")
        defer { FixtureTrees.remove(root) }
        let outcome = statusReport(root: root, filter: "ib7")
        #expect(outcome.ending == .error)
        #expect(outcome.diagnostics == ["ib7: no such IPoIB interface or RDMA device (found: ib0, mlx4_0); run ibsetup status without an argument"])
    }

    @Test(arguments: ["i", "i2"])
    func noDevicesIsAnErrorThatNamesModules(_ name: String) throws {
        let root = try FixtureTrees.root(name)
        defer { FixtureTrees.remove(root) }
        for outcome in [statusReport(root: root), subnetManagerCheck(root: root)] {
            #expect(outcome.ending == .error)
            #expect(outcome.diagnostics.last?.hasPrefix("no InfiniBand devices found") == true)
            #expect(outcome.diagnostics.last?.contains("modprobe") == true)
        }
        let json = statusReport(root: root, json: true)
        #expect(json.output.contains("\"rdma_stack\": \"\(name == "i" ? "not-loaded" : "no-devices")\""))
    }

    @Test(arguments: [("a", CommandOutcome.Ending.done), ("d", .checkFailed), ("d2", .checkFailed),
                      ("e", .checkFailed), ("f2", .checkFailed), ("h", .done), ("k", .done)])
    func smCheckEndsAsTheFabricDeserves(_ name: String, _ ending: CommandOutcome.Ending) throws {
        let root = try FixtureTrees.root(name)
        defer { FixtureTrees.remove(root) }
        #expect(subnetManagerCheck(root: root).ending == ending)
        let json = subnetManagerCheck(root: root, json: true).output
        #expect(json.contains("\"ok\": \(ending == .done)"))
    }

    @Test func smWaitGivesUpAtTheDeadline() throws {
        let root = try FixtureTrees.root("d")
        defer { FixtureTrees.remove(root) }
        let clock = ContinuousClock()
        let start = clock.now
        #expect(subnetManagerCheck(root: root, wait: 1).ending == .checkFailed)
        let elapsed = clock.now - start
        // It waits out the whole second and then gives up; how much later a loaded machine
        // lets it return is bounded only loosely.
        #expect(elapsed >= .milliseconds(1000) && elapsed < .seconds(30))
    }

    @Test(arguments: FixtureTrees.scenarios)
    func jsonIsAStableDocumentForEveryScenario(_ name: String) throws {
        let root = try FixtureTrees.root(name)
        defer { FixtureTrees.remove(root) }
        let json = statusReport(root: root, json: true).output
        #expect(json.hasPrefix("{\n  \"schema\": \"ibkit.status/1\",\n  \"sysfs_root\": "))
        #expect(json.hasSuffix("\n}\n"))
        #expect(json == statusReport(root: root, json: true).output)
    }

    @Test func aLocalOpensmProcessIsFound() throws {
        let root = try FixtureTrees.root("a")
        defer { FixtureTrees.remove(root) }
        for (pid, comm) in [("4242", "opensm\n"), ("17", "sshd\n")] {
            try FileManager.default.createDirectory(atPath: root.string + "/proc/\(pid)", withIntermediateDirectories: true)
            try comm.write(toFile: root.string + "/proc/\(pid)/comm", atomically: false, encoding: .utf8)
        }
        #expect(opensmProcesses(root: root) == [4242])
        #expect(statusReport(root: root).output.hasSuffix("opensm running on this host (pid 4242)\n"))
        #expect(subnetManagerCheck(root: root, json: true).output.contains("\"opensm_pids\": [\n    4242\n  ]"))
    }
}

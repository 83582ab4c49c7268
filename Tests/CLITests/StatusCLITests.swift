import Foundation
import SysfsFixtures
import Testing

@Suite struct StatusCLITests {
    func ibsetup(_ arguments: [String], scenario: String) throws -> ToolRun {
        let root = try FixtureTrees.root(scenario)
        defer { FixtureTrees.remove(root) }
        return try runTool("ibsetup", arguments + ["--sysfs-root", root.string], timeout: 30)
    }

    @Test func statusPrintsTheTableAndExitsZero() throws {
        let run = try ibsetup(["status"], scenario: "b")
        #expect(run.status == 0)
        #expect(run.stderr == "")
        #expect(run.stdout == """
            DEVICE  PORT  STATE   PHYS    RATE                LINK        LID  SM           NETDEV  MODE       MTU    CM
            mlx4_0  1     ACTIVE  LinkUp  40 Gb/sec (4X QDR)  InfiniBand  0x1  0x1 (local)  ib0     connected  65520  yes
            ib0: configured: connected mode, MTU 65520

            """)
    }

    @Test func statusJSONHasTheSchema() throws {
        let run = try ibsetup(["status", "ib0", "--json"], scenario: "c")
        #expect(run.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        #expect(object?["schema"] as? String == "ibkit.status/1")
        let ipoib = object?["ipoib"] as? [[String: Any]]
        #expect(ipoib?.first?["connected_mode_capable"] as? Bool == false)
        #expect((ipoib?.first?["readiness"] as? [String: Any])?["verdict"] as? String == "blocked")
    }

    @Test func noInfiniBandIsExitTwoWithOneLine() throws {
        let run = try ibsetup(["status"], scenario: "i")
        #expect(run.status == 2)
        #expect(run.stdout == "")
        #expect(run.stderr.hasPrefix("Error: no InfiniBand devices found: /sys/class/infiniband is missing"))
        #expect(run.stderr.split(separator: "\n").count == 1)
    }

    /// A root that is not there is not a host without InfiniBand.
    @Test(arguments: [("/nonexistent/tree", "no such directory"), ("/etc/passwd", "not a directory"), ("", "no such directory")])
    func missingSysfsRootIsNamed(root: String, what: String) throws {
        for command in ["status", "sm", "counters"] {
            let run = try runTool("ibsetup", [command, "--sysfs-root", root])
            #expect(run.status == 2, "\(command): \(run.stderr)")
            #expect(run.stderr == "Error: --sysfs-root \(root.isEmpty ? "''" : root): \(what); give the directory a tree was captured into\n")
            #expect(run.stdout.isEmpty)
        }
    }

    @Test func unknownTargetIsExitTwo() throws {
        let run = try ibsetup(["status", "ib9"], scenario: "a")
        #expect(run.status == 2)
        #expect(run.stderr == "Error: ib9: no such IPoIB interface or RDMA device (found: ib0, mlx4_0); run ibsetup status without an argument\n")
    }

    @Test(arguments: [("a", Int32(0)), ("d", 1), ("e", 1), ("h", 0), ("i2", 2)])
    func smExitStatusSaysWhetherAnSMServes(_ scenario: String, _ status: Int32) throws {
        let run = try ibsetup(["sm"], scenario: scenario)
        #expect(run.status == status)
    }

    @Test func smSaysWhyNot() throws {
        let run = try ibsetup(["sm"], scenario: "d2")
        #expect(run.stdout == "no: mlx4_0:1 is INIT with LinkUp: no subnet manager answered; start one on one node: systemctl start opensm\n")
    }

    @Test func smWaitOutOfRangeIsAUsageError() throws {
        let run = try ibsetup(["sm", "--wait", "-5"], scenario: "a")
        #expect(run.status == 64)
        #expect(run.stderr.contains("--wait"))
    }

    /// The command as an admin runs it, on a tree with one port's counters.
    @Test func countersReadsAPortAndWatchesIt() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ibkit-counters-cli-\(getpid())")
        defer { try? FileManager.default.removeItem(at: root) }
        let dir = root.appendingPathComponent("sys/class/infiniband/mlx4_0/ports/1/counters")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, value) in [("symbol_error", 0), ("port_xmit_data", 25), ("port_rcv_data", 50)] {
            try "\(value)\n".write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let once = try runTool("ibsetup", ["counters", "--sysfs-root", root.path])
        #expect(once.status == 0, "\(once.stderr)")
        #expect(once.stdout.contains("mlx4_0:1  port_xmit_data  25     100 bytes"), "\(once.stdout)")
        let watched = try runTool("ibsetup", ["counters", "mlx4_0:1", "--interval", "0.1", "--count", "2",
                                              "--format", "json", "--sysfs-root", root.path])
        #expect(watched.status == 0, "\(watched.stderr)")
        #expect(watched.stdout.split(separator: "\n").count == 2, "a JSON line per interval")
        let missing = try runTool("ibsetup", ["counters", "mlx5_0", "--sysfs-root", root.path])
        #expect(missing.status == 2)
        #expect(missing.stderr.hasPrefix("Error: mlx5_0: no such port (found: mlx4_0)"), "\(missing.stderr)")
        let bad = try runTool("ibsetup", ["counters", "mlx4_0:x"])
        #expect(bad.status == 64)
    }

    @Test(arguments: ["status", "sm", "counters"])
    func helpShowsExamplesAndExitStatuses(_ command: String) throws {
        let run = try runTool("ibsetup", ["help", command])
        #expect(run.status == 0)
        #expect(run.stdout.contains("Examples:"))
        #expect(run.stdout.contains("Exit status: 0"))
        #expect(run.stdout.contains("--sysfs-root"))
    }
}

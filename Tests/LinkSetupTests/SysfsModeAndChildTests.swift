import Foundation
import SystemPackage
import Testing
@testable import LinkSetup

/// Mode writes and P_Key children against copied fixture trees, with the
/// kernel's verdicts emulated in front of the real file writer.
@Suite struct SysfsModeAndChildTests {
    @Test func connectedModeIsAcceptedWhereTheAddressFlagsAllowIt() throws {
        let tree = try FixtureTree(FixtureTree.scenario("a"))
        defer { tree.remove() }
        let writer = KernelSysfsEmulation(root: tree.root)
        try writer.write("connected\n", to: FilePath(tree.net("ib0", "mode").path))
        #expect(tree.read("ib0", "mode") == "connected")
        #expect(tree.read("ib0", "mtu") == "65520")
    }

    @Test func enhancedIPoIBAnswersEINVAL() throws {
        let tree = try FixtureTree(FixtureTree.scenario("c"))
        defer { tree.remove() }
        #expect(throws: Errno(rawValue: EINVAL)) {
            try KernelSysfsEmulation(root: tree.root).write("connected\n", to: FilePath(tree.net("ib0", "mode").path))
        }
        #expect(tree.read("ib0", "mode") == "datagram")
    }

    @Test func theTrailingNewlineIsWhatTheKernelWants() throws {
        #expect(IPoIBMode.connected.sysfsValue == "connected\n")
        let tree = try FixtureTree(FixtureTree.scenario("a"))
        defer { tree.remove() }
        #expect(throws: Errno(rawValue: EINVAL)) {
            try KernelSysfsEmulation(root: tree.root).write("connected", to: FilePath(tree.net("ib0", "mode").path))
        }
    }

    @Test func wholePlanOnFixtureAppliesVerifiesAndIsThenEmpty() throws {
        let tree = try FixtureTree(FixtureTree.scenario("a"))
        defer { tree.remove() }
        var driver = FixtureTreeDriver(tree)
        let request = try UpRequest(interface: "ib0")
        let plan = try Planner.up(request, parent: try driver.observe("ib0")!)
        #expect(plan.steps.map(\.kind) == ["set-mode", "set-mtu"])
        let report = try apply(plan, with: &driver)
        #expect(report.verified == ["ib0: mode connected, MTU 65520, up, no addresses"])
        #expect(try Planner.up(request, parent: try driver.observe("ib0")!).isEmpty)
    }

    @Test func childIsCreatedConfiguredAndRemovedAgainWhenALaterStepFails() throws {
        let tree = try FixtureTree(FixtureTree.scenario("a"))
        defer { tree.remove() }
        let request = try UpRequest(interface: "ib0", pkey: try PKey(parsing: "0x8002"))
        var probe = FixtureTreeDriver(tree)
        let plan = try Planner.up(request, parent: try probe.observe("ib0")!)
        #expect(plan.steps.map(\.kind) == ["create-child", "set-mode", "set-mtu", "link-up"])
        var failing = FixtureTreeDriver(tree, failure: (3, Errno(rawValue: EPERM)))
        #expect(throws: LinkSetupError.self) { _ = try apply(plan, with: &failing) }
        #expect(!FileManager.default.fileExists(atPath: tree.net("ib0.8002", "").path))
        var driver = FixtureTreeDriver(tree)
        _ = try apply(plan, with: &driver)
        #expect(tree.read("ib0.8002", "mode") == "connected")
        #expect(tree.read("ib0.8002", "pkey") == "0x8002")
        #expect(tree.read("ib0.8002", "parent") == "ib0")
    }

    @Test(arguments: ["0\n", "0x8000\n", "0x10000\n", "junk\n"])
    func createChildRefusesInvalidPKeys(text: String) throws {
        let tree = try FixtureTree(FixtureTree.scenario("a"))
        defer { tree.remove() }
        #expect(throws: Errno(rawValue: EINVAL)) {
            try KernelSysfsEmulation(root: tree.root).write(text, to: FilePath(tree.net("ib0", "create_child").path))
        }
    }

    @Test func existingChildOfFixtureGIsRecognisedAndDeleted() throws {
        let tree = try FixtureTree(FixtureTree.scenario("g"))
        defer { tree.remove() }
        var driver = FixtureTreeDriver(tree)
        let child = try #require(try driver.observe("ib0.8001"))
        #expect(child.parent == "ib0")
        #expect(child.pkey?.value == 0x8001)
        // Creating it again is what the kernel refuses with ENOTUNIQ.
        #expect(throws: Errno(rawValue: 76)) {
            try KernelSysfsEmulation(root: tree.root).write("0x8001\n", to: FilePath(tree.net("ib0", "create_child").path))
        }
        let plan = try Planner.down(try DownRequest(interface: "ib0.8001", deleteChild: true), state: child)
        #expect(plan.steps.map(\.kind) == ["link-down", "delete-child"])
        _ = try apply(plan, with: &driver)
        #expect(try driver.observe("ib0.8001") == nil)
    }
}

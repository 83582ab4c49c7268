import SystemPackage
import Testing
@testable import LinkSetup

/// Plans, rollback and idempotence against the in-memory kernel model.
@Suite struct PlanApplyTests {
    static let address = try! InterfaceAddress(cidr: "10.0.0.1/24")
    static let address6 = try! InterfaceAddress(cidr: "fd00::1/64")

    /// ib0 as on fixture `a`: datagram 2044, up, connected-capable.
    static var datagramIB0: LinkState {
        LinkState(name: "ib0", isUp: false, mtu: 2044, mode: .datagram, connectedModeCapable: true, addresses: [])
    }

    @Test func plansModeBeforeMTUThenAddressesThenLinkUp() throws {
        let request = try UpRequest(interface: "ib0", addresses: [Self.address, Self.address6])
        let plan = try Planner.up(request, parent: Self.datagramIB0)
        #expect(plan.steps == [
            .setMode("ib0", to: .connected, was: .datagram),
            .setMTU("ib0", to: 65520, was: 2044),
            .addAddress("ib0", Self.address),
            .addAddress("ib0", Self.address6),
            .setLink("ib0", up: true),
        ])
    }

    /// Connected mode at the MTU the link has in datagram mode: the mode write sets 65520, so
    /// the MTU must be set after it although it was already the one asked for.
    @Test func anMTUEqualToTheOldOneIsStillSetAfterAModeChange() throws {
        let request = try UpRequest(interface: "ib0", mtu: 2044)
        let plan = try Planner.up(request, parent: Self.datagramIB0)
        #expect(plan.steps == [
            .setMode("ib0", to: .connected, was: .datagram),
            .setMTU("ib0", to: 2044, was: 2044),
            .setLink("ib0", up: true),
        ])
        var driver = RecordingDriver([Self.datagramIB0])
        let report = try apply(plan, with: &driver)
        #expect(report.verified == ["ib0: mode connected, MTU 2044, up, no addresses"])
        #expect(try Planner.up(request, parent: driver.links["ib0"]!).isEmpty)
    }

    @Test func applyThenPlanAgainIsEmpty() throws {
        let request = try UpRequest(interface: "ib0", addresses: [Self.address])
        var driver = RecordingDriver([Self.datagramIB0])
        let plan = try Planner.up(request, parent: Self.datagramIB0)
        let report = try apply(plan, with: &driver)
        #expect(report.verified == ["ib0: mode connected, MTU 65520, up, 10.0.0.1/24"])
        let again = try Planner.up(request, parent: driver.links["ib0"]!)
        #expect(again.isEmpty)
    }

    /// A failure at every position leaves the link exactly as it was.
    @Test(arguments: 0..<5)
    func failureAtAnyStepRestoresEverything(failAt: Int) throws {
        let request = try UpRequest(interface: "ib0", addresses: [Self.address, Self.address6])
        var driver = RecordingDriver([Self.datagramIB0])
        driver.failure = (failAt, Errno(rawValue: 22))
        let plan = try Planner.up(request, parent: Self.datagramIB0)
        #expect(plan.steps.count == 5)
        do {
            _ = try apply(plan, with: &driver)
            Issue.record("apply should have failed at step \(failAt)")
        } catch {
            guard case let .stepFailed(step, subject, kernel, rolledBack, failures) = error else {
                Issue.record("unexpected \(error)"); return
            }
            #expect(step == plan.steps[failAt].shortAction)
            #expect(subject == "ib0")
            #expect(kernel.errno.symbol == "EINVAL")
            #expect(rolledBack == failAt)
            #expect(failures.isEmpty)
            #expect(error.description.hasPrefix("ib0: \(step) failed (EINVAL: injected); undid the \(failAt) earlier step"))
        }
        #expect(driver.links["ib0"] == Self.datagramIB0)
        // Undo ran newest first: the recorded steps after the done ones are their inverses, reversed.
        let done = Array(plan.steps.prefix(failAt))
        #expect(driver.performed == done + done.reversed().compactMap(\.inverse))
    }

    @Test func pkeyChildIsCreatedThenConfiguredAndDeletedOnRollback() throws {
        let pkey = try PKey(parsing: "0x8001")
        let request = try UpRequest(interface: "ib0", pkey: pkey, addresses: [Self.address])
        var parent = Self.datagramIB0
        parent.isUp = true
        let plan = try Planner.up(request, parent: parent, child: nil)
        #expect(plan.steps.first == .createChild(parent: "ib0", pkey: pkey))
        #expect(plan.steps.contains(.setMode("ib0.8001", to: .connected, was: .datagram)))
        var driver = RecordingDriver([parent])
        driver.failure = (plan.steps.count - 1, Errno(rawValue: 1))
        #expect(throws: LinkSetupError.self) { _ = try apply(plan, with: &driver) }
        #expect(driver.links["ib0.8001"] == nil)
        #expect(driver.links["ib0"] == parent)
    }

    @Test func enhancedIPoIBRefusesConnectedAndAutoFallsBackToDatagram() throws {
        let mlx5 = LinkState(name: "ib0", isUp: true, mtu: 4092, mode: .datagram, connectedModeCapable: false, addresses: [])
        #expect(throws: LinkSetupError.connectedModeUnsupported("ib0")) {
            _ = try Planner.up(try UpRequest(interface: "ib0"), parent: mlx5)
        }
        let auto = try Planner.up(try UpRequest(interface: "ib0", mode: .auto), parent: mlx5)
        #expect(auto.isEmpty)
        #expect(auto.targets.first?.mode == .datagram)
        #expect(auto.targets.first?.mtu == nil)
        #expect(auto.notes.count == 1)
    }

    @Test func datagramMTUAboveTheUDLimitIsRefusedBeforeAnythingRuns() throws {
        #expect(throws: LinkSetupError.mtuOutOfRange(65520, mode: .datagram, maximum: 4092)) {
            _ = try UpRequest(interface: "ib0", mode: .datagram, mtu: 65520)
        }
    }

    @Test func downRemovesAddressesThenLinkAndKeepsLinkLocal() throws {
        let linkLocal = try InterfaceAddress(cidr: "fe80::202:c903:31:fdc1/64")
        let state = LinkState(name: "ib0", isUp: true, mtu: 65520, mode: .connected, connectedModeCapable: true,
                              addresses: [Self.address, linkLocal, Self.address6])
        let plan = try Planner.down(try DownRequest(interface: "ib0"), state: state)
        #expect(plan.steps == [.removeAddress("ib0", Self.address6), .removeAddress("ib0", Self.address),
                               .setLink("ib0", up: false)])
        var driver = RecordingDriver([state])
        _ = try apply(plan, with: &driver)
        #expect(driver.links["ib0"]?.addresses == [linkLocal])
        #expect(try Planner.down(try DownRequest(interface: "ib0"), state: driver.links["ib0"]).isEmpty)
    }

    @Test func deleteChildNeedsAChild() throws {
        #expect(throws: LinkSetupError.notAChild("ib0")) {
            _ = try Planner.down(try DownRequest(interface: "ib0", deleteChild: true), state: Self.datagramIB0)
        }
    }

    @Test func verifyCatchesASettingThatDidNotTake() throws {
        /// A driver whose MTU writes are silently ignored.
        struct DeafMTU: LinkDriver {
            var inner: RecordingDriver
            mutating func observe(_ name: String) throws(LinkSetupError) -> LinkState? { try inner.observe(name) }
            mutating func perform(_ step: Step) throws(NetlinkError) {
                if case .setMTU = step { return }
                try inner.perform(step)
            }
        }
        var start = Self.datagramIB0
        start.mode = .connected
        start.mtu = 9000
        var driver = DeafMTU(inner: RecordingDriver([start]))
        let plan = try Planner.up(try UpRequest(interface: "ib0"), parent: start)
        #expect(throws: LinkSetupError.verifyFailed("ib0", setting: "MTU", expected: "65520", found: "9000", rolledBack: 2)) {
            _ = try apply(plan, with: &driver)
        }
        #expect(driver.inner.links["ib0"] == start)
    }
}

import Foundation
import Glibc
import SystemPackage
import TestProcesses
import Testing
@testable import LinkSetup

/// rtnetlink and the system driver on a real veth pair inside a network
/// namespace each test creates and removes. Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN
/// for setns) and `ip` to create the namespace and the veth pair; the code under
/// test talks netlink itself, from a thread that entered the namespace.
@Suite(.serialized, .enabled(if: NetnsHarness.available, "needs root and iproute2 to create a network namespace"))
struct NetlinkNetnsTests {
    static let v4 = try! InterfaceAddress(cidr: "192.0.2.1/24")
    static let v6 = try! InterfaceAddress(cidr: "2001:db8::1/64")

    @Test func readsAndChangesMTULinkStateAndAddresses() throws {
        try NetnsHarness.withVeth { namespace in
            var netlink = try NetnsHarness.make(in: namespace) { try RTNetlink() }
            let link = try #require(try netlink.link(named: "va"))
            #expect(link.hardwareType == ARPHRD.ether)
            #expect(link.kind == "veth")
            #expect(try netlink.link(named: "nosuch0") == nil)
            #expect(try netlink.link(index: link.index)?.name == "va")

            try netlink.setMTU(index: link.index, 9000)
            try netlink.setUp(index: link.index, true)
            var now = try #require(try netlink.link(named: "va"))
            #expect(now.mtu == 9000)
            #expect(now.isUp)

            try netlink.addAddress(index: link.index, Self.v4)
            try netlink.addAddress(index: link.index, Self.v6)
            let listed = try netlink.addresses(index: link.index)
            #expect(listed.contains(Self.v4))
            #expect(listed.contains(Self.v6))
            #expect(throws: NetlinkError.self) { try netlink.addAddress(index: link.index, Self.v4) }   // EEXIST

            try netlink.removeAddress(index: link.index, Self.v4)
            try netlink.removeAddress(index: link.index, Self.v6)
            #expect(try netlink.addresses(index: link.index).filter { !$0.isLinkLocal }.isEmpty)
            try netlink.setUp(index: link.index, false)
            now = try #require(try netlink.link(named: "va"))
            #expect(!now.isUp)
        }
    }

    @Test func theKernelsRefusalComesBackWithItsErrno() throws {
        try NetnsHarness.withVeth { namespace in
            var netlink = try NetnsHarness.make(in: namespace) { try RTNetlink() }
            let link = try #require(try netlink.link(named: "va"))
            do {
                try netlink.setMTU(index: link.index, 70000)
                Issue.record("the kernel accepted MTU 70000 on a veth")
            } catch let error as NetlinkError {
                #expect(error.errno.symbol == "EINVAL")
                #expect(error.description.hasPrefix("EINVAL"))
            }
        }
    }

    /// The veth pretending to be IPoIB without a mode file, so the real planner plans for it.
    static func asPlannable(_ state: LinkState) -> LinkState {
        var state = state
        state.hardwareType = ARPHRD.infiniband
        return state
    }

    @Test func planAppliesVerifiesAndIsIdempotent() throws {
        try NetnsHarness.withVeth { namespace in
            var driver = try NetnsHarness.make(in: namespace) { try SystemLinkDriver() }
            let request = try UpRequest(interface: "va", mode: .datagram, mtu: 4000, addresses: [Self.v4, Self.v6])
            let before = try #require(try driver.observe("va"))
            let plan = try Planner.up(request, parent: Self.asPlannable(before))
            #expect(plan.steps.map(\.kind) == ["set-mtu", "add-address", "add-address", "link-up"])
            let report = try apply(plan, with: &driver)
            #expect(report.performed == plan.steps)
            let after = try #require(try driver.observe("va"))
            #expect(after.mtu == 4000)
            #expect(after.isUp)
            #expect(try Planner.up(request, parent: Self.asPlannable(after)).isEmpty)

            let down = try Planner.down(try DownRequest(interface: "va"), state: Self.asPlannable(after))
            _ = try apply(down, with: &driver)
            let final = try #require(try driver.observe("va"))
            #expect(!final.isUp)
            #expect(final.addresses?.filter { !$0.isLinkLocal } == [])
            #expect(try Planner.down(try DownRequest(interface: "va"), state: Self.asPlannable(final)).isEmpty)
        }
    }

    /// A failure injected at each step index: everything done before is undone.
    @Test(arguments: 0..<4)
    func injectedFailureRollsBackEverything(failAt: Int) throws {
        try NetnsHarness.withVeth { namespace in
            var driver = FailingDriver(inner: try NetnsHarness.make(in: namespace) { try SystemLinkDriver() }, failAt: failAt)
            let before = try #require(try driver.observe("va"))
            let request = try UpRequest(interface: "va", mode: .datagram, mtu: 4000, addresses: [Self.v4, Self.v6])
            let plan = try Planner.up(request, parent: Self.asPlannable(before))
            #expect(throws: LinkSetupError.self) { _ = try apply(plan, with: &driver) }
            let after = try #require(try driver.observe("va"))
            #expect(after.mtu == before.mtu)
            #expect(after.isUp == before.isUp)
            #expect(Set(after.addresses ?? []) == Set(before.addresses ?? []))
        }
    }

    @Test func aRealKernelFailureRollsBackTheStepsBeforeIt() throws {
        try NetnsHarness.withVeth { namespace in
            var driver = try NetnsHarness.make(in: namespace) { try SystemLinkDriver() }
            let before = try #require(try driver.observe("va"))
            let plan = Plan(steps: [.setMTU("va", to: 9000, was: before.mtu), .addAddress("va", Self.v4),
                                    .setLink("va", up: true), .setMTU("va", to: 70000, was: 9000)])
            do {
                _ = try apply(plan, with: &driver)
                Issue.record("MTU 70000 was accepted")
            } catch let error as LinkSetupError {
                guard case let .stepFailed(step, _, kernel, rolledBack, failures) = error else {
                    Issue.record("unexpected \(error)"); return
                }
                #expect(step == "set MTU 70000")
                #expect(kernel.errno.symbol == "EINVAL")
                #expect(rolledBack == 3)
                #expect(failures.isEmpty)
            }
            let after = try #require(try driver.observe("va"))
            #expect(after.mtu == before.mtu)
            #expect(!after.isUp)
            #expect(!(after.addresses ?? []).contains(Self.v4))
        }
    }
}

/// `setns(2)`: Glibc declares it only under `_GNU_SOURCE`.
@_silgen_name("setns") private func setns(_ fd: CInt, _ type: CInt) -> CInt
private let CLONE_NEWNET: CInt = 0x4000_0000

/// Fails the `failAt`-th perform (0-based) with EIO, passing the rest through.
struct FailingDriver: LinkDriver, ~Copyable {
    var inner: SystemLinkDriver
    let failAt: Int
    var calls = 0

    mutating func observe(_ name: String) throws(LinkSetupError) -> LinkState? { try inner.observe(name) }

    mutating func perform(_ step: Step) throws(NetlinkError) {
        defer { calls += 1 }
        if calls == failAt { throw NetlinkError(errno: Errno(rawValue: EIO), message: "injected") }
        try inner.perform(step)
    }
}

/// Creates a throwaway namespace with a veth pair `va`–`vb`. A netlink
/// socket belongs to the namespace it was opened in, so only the opening runs
/// on a thread that entered the namespace; the test uses the socket from its
/// own task, where its expectations are recorded.
enum NetnsHarness {
    static var ipPath: String? {
        ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static var available: Bool { geteuid() == 0 && ipPath != nil }

    static func ip(_ arguments: [String]) throws {
        if try runProcess(URL(fileURLWithPath: ipPath!), arguments).status != 0 { throw Errno(rawValue: EIO) }
    }

    /// Runs `body` with the name of a fresh namespace holding `va`/`vb`; removes the namespace after.
    static func withVeth(_ body: (String) throws -> Void) throws {
        let name = "ibkit-ls-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try ip(["netns", "add", name])
        defer { try? ip(["netns", "delete", name]) }
        try ip(["-n", name, "link", "add", "va", "type", "veth", "peer", "name", "vb"])
        try body(name)
    }

    /// Builds `T` (a netlink socket owner) on a thread inside `namespace`.
    static func make<T: ~Copyable>(in namespace: String, _ make: @escaping @Sendable () throws -> T) throws -> T {
        let handoff = Handoff<T>()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            defer { done.signal() }
            let fd = open("/var/run/netns/\(namespace)", O_RDONLY | O_CLOEXEC)
            guard fd >= 0, setns(fd, CLONE_NEWNET) == 0 else {
                handoff.error = Errno(rawValue: errno)
                return
            }
            close(fd)
            do { handoff.value = try make() } catch { handoff.error = error }
        }
        thread.start()
        guard done.wait(timeout: .now() + 30) == .success else { throw Errno(rawValue: ETIMEDOUT) }
        if let error = handoff.error { throw error }
        return handoff.value.take()!
    }

    /// Carries one value from the namespace thread; the semaphore orders the accesses.
    final class Handoff<T: ~Copyable>: @unchecked Sendable {
        var value: T?
        var error: (any Error)?
    }
}

import Foundation
import Glibc
import SystemPackage
import Testing
@testable import LinkSetup

/// The sysfs side of IPoIB for a veth in a namespace: `mode` is a file in a scratch
/// tree; `create_child` makes a veth called like the child (its peer `vcPKEY`) and
/// `delete_child` removes it, both with `ip` in the namespace. MTU, link state and
/// addresses stay the real kernel's, through rtnetlink.
struct NetnsSysfsEmulation: SysfsWriter {
    let namespace: String
    let tree: URL

    func write(_ text: String, to path: FilePath) throws(Errno) {
        let url = URL(fileURLWithPath: path.string)
        let parent = url.deletingLastPathComponent().lastPathComponent
        let pkey = text.trimmingCharacters(in: .whitespacesAndNewlines).dropFirst(2)
        switch url.lastPathComponent {
        case "mode":
            guard text == "connected\n" || text == "datagram\n" else { throw Errno(rawValue: EINVAL) }
            try KernelSysfsWriter().write(text, to: path)
        case "create_child":
            do { try NetnsHarness.ip(["-n", namespace, "link", "add", "\(parent).\(pkey)", "type", "veth", "peer", "name", "vc\(pkey)"]) }
            catch { throw Errno(rawValue: EIO) }
        case "delete_child":
            do { try NetnsHarness.ip(["-n", namespace, "link", "del", "\(parent).\(pkey)"]) }
            catch { throw Errno(rawValue: ENODEV) }
        default:
            throw Errno(rawValue: ENOENT)
        }
    }
}

/// Each step of each plan failing once on a real veth `va` in a namespace the test
/// creates and removes: MTU, link state, addresses and children are the kernel's, and
/// the rollback of a created child is a real `RTM_DELLINK`.
@Suite(.serialized, .enabled(if: NetnsHarness.available, "needs root and iproute2 to create a network namespace"))
struct NetnsFaultTests {
    static let v4 = try! InterfaceAddress(cidr: "192.0.2.1/24")
    static let v6 = try! InterfaceAddress(cidr: "2001:db8::1/64")
    static let pkey = try! PKey(parsing: "0x8002")
    static let child = "va.8002"

    /// How each scenario starts: the mode file, and what `ip` sets up in the namespace.
    static let setups: [String: (mode: String?, ip: [[String]])] = [
        "mode-mtu-addresses": ("connected\n", []),
        "pkey": (nil, []),
        "down": (nil, [["link", "set", "va", "up"], ["addr", "add", "192.0.2.1/24", "dev", "va"],
                       ["addr", "add", "2001:db8::1/64", "dev", "va", "nodad"]]),
        "down-delete-child": (nil, [["link", "add", child, "type", "veth", "peer", "name", "vc8002"],
                                    ["link", "set", child, "up"], ["addr", "add", "192.0.2.1/24", "dev", child],
                                    ["addr", "add", "2001:db8::1/64", "dev", child, "nodad"]]),
    ]

    /// The plan each scenario makes from the links' state (a veth made to look like IPoIB).
    static func plan(_ scenario: String, _ state: (String) -> LinkState?) throws -> Plan {
        func ipoib(_ name: String) throws -> LinkState {
            var link = try required(state(name), name)
            link.hardwareType = ARPHRD.infiniband
            return link
        }
        switch scenario {
        case "mode-mtu-addresses":
            return try Planner.up(try UpRequest(interface: "va", mode: .datagram, mtu: 4000, addresses: [v4, v6]), parent: try ipoib("va"))
        case "pkey":
            return try Planner.up(try UpRequest(interface: "va", pkey: pkey, mode: .datagram, mtu: 4000, addresses: [v4, v6]),
                                  parent: try ipoib("va"), child: nil)
        case "down":
            return try Planner.down(try DownRequest(interface: "va"), state: try ipoib("va"))
        default:
            return try Planner.down(try DownRequest(interface: child, deleteChild: true), state: try ipoib(child))
        }
    }

    /// The namespace's starting links as the planner sees them, without a namespace.
    static func expectedStart(_ scenario: String) -> [String: LinkState] {
        let setup = setups[scenario]!
        var va = LinkState(name: "va", isUp: setup.ip.contains(["link", "set", "va", "up"]), mtu: 1500,
                           mode: setup.mode.flatMap { IPoIBMode(rawValue: String($0.dropLast())) },
                           connectedModeCapable: false, addresses: [])
        if scenario == "down" { va.addresses = [v4, v6] }
        var links = ["va": va]
        if scenario == "down-delete-child" {
            links[child] = LinkState(name: child, isUp: true, mtu: 1500, mode: nil, connectedModeCapable: false,
                                     addresses: [v4, v6], parent: "va", pkey: pkey)
        }
        return links
    }

    static let points = FaultPoint.all(setups.keys.sorted().map { name in
        let start = expectedStart(name)
        return (name, try! plan(name) { start[$0] })
    })

    @Test func theScenariosCoverChildCreationAndBothAddressFamilies() {
        #expect(Set(Self.points.map(\.kind)) == everyStepKind.subtracting(["load-module"]))
        let start = Self.expectedStart("pkey")
        let plan = try! Self.plan("pkey") { start[$0] }
        #expect(plan.steps == [.setLink("va", up: true), .createChild(parent: "va", pkey: Self.pkey),
                               .setMTU(Self.child, to: 4000, was: nil), .addAddress(Self.child, Self.v4),
                               .addAddress(Self.child, Self.v6), .setLink(Self.child, up: true)])
    }

    /// Sets the namespace up for `scenario`; returns the scratch tree of mode and parent files.
    static func prepare(_ scenario: String, in namespace: String) throws -> URL {
        let tree = FileManager.default.temporaryDirectory.appendingPathComponent("ibkit-netns-fault-\(UUID().uuidString)")
        let setup = setups[scenario]!
        let net = tree.appendingPathComponent("sys/class/net")
        try FileManager.default.createDirectory(at: net.appendingPathComponent("va"), withIntermediateDirectories: true)
        if let mode = setup.mode {
            try mode.write(to: net.appendingPathComponent("va/mode"), atomically: false, encoding: .utf8)
        }
        if scenario == "down-delete-child" {
            // A child made through create_child has a parent file (and goes through delete_child).
            try FileManager.default.createDirectory(at: net.appendingPathComponent(child), withIntermediateDirectories: true)
            try "va\n".write(to: net.appendingPathComponent("\(child)/parent"), atomically: false, encoding: .utf8)
        }
        for command in setup.ip { try NetnsHarness.ip(["-n", namespace] + command) }
        return tree
    }

    /// The system driver opened in `namespace`, reading and writing `tree` for sysfs.
    static func driver(in namespace: String, tree: URL, failAt: Int) throws -> FailingDriver {
        let root = tree.path
        return FailingDriver(inner: try NetnsHarness.make(in: namespace) {
            try SystemLinkDriver(sysfs: SysfsReader(root: FilePath(root)),
                                 writer: NetnsSysfsEmulation(namespace: namespace, tree: URL(fileURLWithPath: root)))
        }, failAt: failAt)
    }

    /// What is compared before and after: each link's MTU, link state and addresses
    /// (without the kernel's link-local ones), or its absence, and the mode files.
    static func observed(_ driver: inout FailingDriver, tree: URL) throws -> [String] {
        var lines: [String] = []
        for name in ["va", "vb", child, "vc8002"] {
            guard let link = try driver.observe(name) else { lines.append("\(name): absent"); continue }
            let addresses = (link.addresses ?? []).filter { !$0.isLinkLocal }.map(\.description).sorted()
            lines.append("\(name): MTU \(link.mtu ?? 0), \(link.isUp ? "up" : "down"), \(addresses.joined(separator: " "))")
        }
        for name in ["va", child] {
            let mode = try? String(contentsOf: tree.appendingPathComponent("sys/class/net/\(name)/mode"), encoding: .utf8)
            lines.append("\(name) mode: \(mode ?? "none")")
        }
        return lines
    }

    @Test(arguments: points)
    func aStepFailingOnceLeavesTheNamespaceAsItWas(_ point: FaultPoint) throws {
        try NetnsHarness.withVeth { namespace in
            let tree = try Self.prepare(point.scenario, in: namespace)
            defer { try? FileManager.default.removeItem(at: tree) }
            var driver = try Self.driver(in: namespace, tree: tree, failAt: point.index)
            var states: [String: LinkState] = [:]
            for name in ["va", Self.child] {
                if var state = try driver.observe(name) {
                    // A veth has no mode or parent of its own: the scratch tree's files stand in for them.
                    state.mode = (try? String(contentsOf: tree.appendingPathComponent("sys/class/net/\(name)/mode"), encoding: .utf8))
                        .flatMap { IPoIBMode(rawValue: String($0.dropLast())) }
                    if let parent = try? String(contentsOf: tree.appendingPathComponent("sys/class/net/\(name)/parent"), encoding: .utf8) {
                        state.parent = String(parent.dropLast())
                        state.pkey = Self.pkey
                    }
                    states[name] = state
                }
            }
            let plan = try Self.plan(point.scenario) { states[$0] }
            let expected = try Self.plan(point.scenario) { Self.expectedStart(point.scenario)[$0] }
            #expect(plan.steps == expected.steps)
            #expect(plan.steps[point.index].kind == point.kind)
            let before = try Self.observed(&driver, tree: tree)
            do throws(LinkSetupError) {
                _ = try apply(plan, with: &driver)
                Issue.record("apply went through a failure at step \(point.index)")
            } catch {
                expectRolledBack(error, plan: plan, at: point.index, errno: "EIO")
            }
            #expect(try Self.observed(&driver, tree: tree) == before)
        }
    }

    /// Without a failure each plan goes through on the real kernel.
    @Test(arguments: setups.keys.sorted())
    func everyScenarioAppliesWithoutAFailure(_ scenario: String) throws {
        try NetnsHarness.withVeth { namespace in
            let tree = try Self.prepare(scenario, in: namespace)
            defer { try? FileManager.default.removeItem(at: tree) }
            var driver = try Self.driver(in: namespace, tree: tree, failAt: -1)
            let plan = try Self.plan(scenario) { Self.expectedStart(scenario)[$0] }
            #expect(try apply(plan, with: &driver).performed == plan.steps)
        }
    }
}

import Foundation
import SystemPackage
import Testing
@testable import LinkSetup

/// One step of one plan failing once, named for the test list: `pkey-parent-down #2 create-child`.
struct FaultPoint: Sendable, CustomTestStringConvertible {
    var scenario: String
    var index: Int
    var kind: String
    var testDescription: String { "\(scenario) #\(index) \(kind)" }

    /// Every step of every plan in `plans`, each once.
    static func all(_ plans: [(String, Plan)]) -> [FaultPoint] {
        plans.flatMap { name, plan in
            plan.steps.enumerated().map { FaultPoint(scenario: name, index: $0.offset, kind: $0.element.kind) }
        }
    }
}

/// Every kind of step the planner produces, so that a new kind without a fault test shows.
let everyStepKind: Set<String> = [
    "load-module", "create-child", "delete-child", "set-mode", "set-mtu",
    "add-address", "remove-address", "link-up", "link-down",
]

struct Missing: Error, CustomStringConvertible {
    var what: String
    var description: String { "\(what) is missing" }
}

func required<T>(_ value: T?, _ what: String) throws -> T {
    guard let value else { throw Missing(what: what) }
    return value
}

/// Checks the error of a plan that failed at `index`: the failing step is named, every
/// step before it was undone, and no undo failed.
func expectRolledBack(_ error: LinkSetupError, plan: Plan, at index: Int, errno: String) {
    guard case let .stepFailed(step, subject, kernel, rolledBack, failures) = error else {
        Issue.record("unexpected \(error)"); return
    }
    #expect(step == plan.steps[index].shortAction)
    #expect(subject == plan.steps[index].subject)
    #expect(kernel.errno.symbol == errno)
    #expect(rolledBack == index)
    #expect(failures.isEmpty, "\(failures)")
}

/// `ibsetup up` and `down` with each step of each plan failing once in turn, against the
/// in-memory kernel model and against copied sysfs trees: afterwards every link is as it was.
@Suite struct FaultInjectionTests {
    static let v4 = try! InterfaceAddress(cidr: "10.0.0.1/24")
    static let v6 = try! InterfaceAddress(cidr: "fd00::1/64")
    static let linkLocal = try! InterfaceAddress(cidr: "fe80::202:c903:31:fdc1/64")
    static let pkey = try! PKey(parsing: "0x8002")

    // MARK: The kernel model

    /// A starting set of links, the kernel's broadcast MTUs, and a plan made from them.
    struct ModelScenario: Sendable {
        var name: String
        var links: [LinkState]
        var broadcastMTU: [String: Int] = [:]
        var plan: @Sendable ([LinkState]) throws -> Plan
    }

    static func ib0(up: Bool = false, mtu: Int = 2044, mode: IPoIBMode = .datagram, addresses: [InterfaceAddress] = []) -> LinkState {
        LinkState(name: "ib0", isUp: up, mtu: mtu, mode: mode, connectedModeCapable: true, addresses: addresses)
    }

    static let modelScenarios: [ModelScenario] = [
        // mode, MTU, IPv4, IPv6, link up.
        ModelScenario(name: "connected", links: [ib0()]) { links in
            try Planner.up(try UpRequest(interface: "ib0", addresses: [v4, v6]), parent: links[0])
        },
        // Below the broadcast group's MTU: going back to datagram alone would give 2044.
        ModelScenario(name: "connected-from-1500", links: [ib0(mtu: 1500)]) { links in
            try Planner.up(try UpRequest(interface: "ib0", addresses: [v4, v6]), parent: links[0])
        },
        ModelScenario(name: "datagram-4092", links: [ib0(up: true, mtu: 65520, mode: .connected, addresses: [linkLocal])],
                      broadcastMTU: ["ib0": 4092]) { links in
            try Planner.up(try UpRequest(interface: "ib0", mode: .datagram, mtu: 4092, addresses: [v6]), parent: links[0])
        },
        // Parent link up, child, mode, MTU, IPv4, IPv6, child link up.
        ModelScenario(name: "pkey-parent-down", links: [ib0()]) { links in
            try Planner.up(try UpRequest(interface: "ib0", pkey: pkey, addresses: [v4, v6]), parent: links[0])
        },
        ModelScenario(name: "module-missing", links: [ib0()]) { links in
            try Planner.up(try UpRequest(interface: "ib0", addresses: [v4]), parent: links[0], moduleMissing: true)
        },
        ModelScenario(name: "down", links: [ib0(up: true, mtu: 65520, mode: .connected, addresses: [v4, linkLocal, v6])]) { links in
            try Planner.down(try DownRequest(interface: "ib0"), state: links[0])
        },
        ModelScenario(name: "down-delete-child", links: [
            ib0(up: true),
            LinkState(name: "ib0.8002", isUp: true, mtu: 65520, mode: .connected, connectedModeCapable: true,
                      addresses: [v4, v6], parent: "ib0", pkey: pkey),
        ]) { links in
            try Planner.down(try DownRequest(interface: "ib0.8002", deleteChild: true), state: links[1])
        },
    ]

    static func modelScenario(_ name: String) -> ModelScenario { modelScenarios.first { $0.name == name }! }

    static let modelPoints = FaultPoint.all(modelScenarios.map { ($0.name, try! $0.plan($0.links)) })

    /// Addresses as a set: undoing a removal adds the address back at the end.
    static func comparable(_ links: [String: LinkState]) -> [String: LinkState] {
        links.mapValues { link in
            var link = link
            link.addresses = link.addresses.map { Array(Set($0)).sorted { $0.description < $1.description } }
            return link
        }
    }

    @Test func theScenariosCoverEveryKindOfStep() {
        #expect(Set(Self.modelPoints.map(\.kind)) == everyStepKind)
    }

    @Test(arguments: modelPoints)
    func aStepFailingOnceLeavesTheModelAsItWas(_ point: FaultPoint) throws {
        let scenario = Self.modelScenario(point.scenario)
        let plan = try scenario.plan(scenario.links)
        var driver = RecordingDriver(scenario.links)
        driver.broadcastMTU = scenario.broadcastMTU
        let before = driver.links
        driver.failure = (point.index, Errno(rawValue: EIO))
        do throws(LinkSetupError) {
            _ = try apply(plan, with: &driver)
            Issue.record("apply went through a failure at step \(point.index)")
        } catch {
            expectRolledBack(error, plan: plan, at: point.index, errno: "EIO")
        }
        #expect(Self.comparable(driver.links) == Self.comparable(before))
    }

    /// The same plans without a failure go through, so each failure above hit a step that works.
    @Test(arguments: modelScenarios.map(\.name))
    func everyScenarioAppliesWithoutAFailure(_ name: String) throws {
        let scenario = Self.modelScenario(name)
        var driver = RecordingDriver(scenario.links)
        driver.broadcastMTU = scenario.broadcastMTU
        let plan = try scenario.plan(scenario.links)
        #expect(try apply(plan, with: &driver).performed == plan.steps)
    }

    // MARK: Fixture trees

    /// A request against a copied tree; `prepare` changes the tree first.
    struct TreeScenario: Sendable {
        var name: String
        var fixture: String
        var prepare: @Sendable (FixtureTree) throws -> Void = { _ in }
        var plan: @Sendable (inout FixtureTreeDriver) throws -> Plan
    }

    static func upOnTree(_ request: @escaping @Sendable () throws -> UpRequest) -> @Sendable (inout FixtureTreeDriver) throws -> Plan {
        { driver in
            let request = try request()
            let child = request.pkey == nil ? nil : try driver.observe(request.target)
            return try Planner.up(request, parent: try required(try driver.observe(request.interface), request.interface), child: child)
        }
    }

    /// Every captured host with an IPoIB ib0: connected (or auto where the HCA cannot
    /// connect) with both address families, and a P_Key child; a datagram ib0 at MTU 1500;
    /// taking fixture g's child down and deleting it.
    static let treeScenarios: [TreeScenario] = {
        var scenarios: [TreeScenario] = []
        for fixture in FixtureTree.scenarios {
            let prefix = String(fixture.prefix { $0 != "-" })
            guard let tree = try? FixtureTree(fixture) else { continue }
            defer { tree.remove() }
            guard let state = SysfsReader(root: FilePath(tree.root.path)).linkState("ib0"), state.isIPoIB else { continue }
            let mode: RequestedMode = state.connectedModeCapable ? .connected : .auto
            scenarios.append(TreeScenario(name: "\(prefix)-up", fixture: fixture,
                                          plan: upOnTree { try UpRequest(interface: "ib0", mode: mode, addresses: [v4, v6]) }))
            if state.parent == nil {
                scenarios.append(TreeScenario(name: "\(prefix)-pkey", fixture: fixture,
                                              plan: upOnTree { try UpRequest(interface: "ib0", pkey: pkey, mode: .auto, addresses: [v4, v6]) }))
            }
        }
        scenarios.append(TreeScenario(
            name: "a-datagram-1500", fixture: FixtureTree.scenario("a"),
            prepare: { tree in try "1500\n".write(to: tree.net("ib0", "mtu"), atomically: false, encoding: .utf8) },
            plan: upOnTree { try UpRequest(interface: "ib0", addresses: [v4]) }))
        scenarios.append(TreeScenario(name: "g-down-delete-child", fixture: FixtureTree.scenario("g")) { driver in
            try Planner.down(try DownRequest(interface: "ib0.8001", deleteChild: true),
                             state: try required(try driver.observe("ib0.8001"), "ib0.8001"))
        })
        return scenarios
    }()

    static let treePoints: [FaultPoint] = FaultPoint.all(treeScenarios.compactMap { scenario in
        guard let tree = try? FixtureTree(scenario.fixture) else { return nil }
        defer { tree.remove() }
        var driver = FixtureTreeDriver(tree)
        guard (try? scenario.prepare(tree)) != nil, let plan = try? scenario.plan(&driver) else { return nil }
        return (scenario.name, plan)
    })

    /// Every file's bytes and every symlink's target under `root`, by relative path.
    static func snapshot(_ root: URL) -> [String: String] {
        var entries: [String: String] = [:]
        let files = FileManager.default
        guard let walker = files.enumerator(atPath: root.path) else { return [:] }
        for case let path as String in walker {
            let full = root.appendingPathComponent(path).path
            if let target = try? files.destinationOfSymbolicLink(atPath: full) {
                entries[path] = "-> " + target
            } else if let data = files.contents(atPath: full) {
                entries[path] = String(decoding: data, as: UTF8.self)
            }
            // Directories are left out: the emulation keeps an emptied one where the kernel would not.
        }
        return entries
    }

    @Test func theTreesCoverModeMTUChildAndLinkSteps() {
        let kinds = Set(Self.treePoints.map(\.kind))
        #expect(kinds.isSuperset(of: ["create-child", "delete-child", "set-mode", "set-mtu", "add-address", "link-up", "link-down"]))
        #expect(Set(Self.treePoints.map(\.scenario)).count == Self.treeScenarios.count, "every scenario plans")
    }

    @Test(arguments: treePoints)
    func aStepFailingOnceLeavesTheTreeAsItWas(_ point: FaultPoint) throws {
        let scenario = try #require(Self.treeScenarios.first { $0.name == point.scenario })
        let tree = try FixtureTree(scenario.fixture)
        defer { tree.remove() }
        try scenario.prepare(tree)
        var probe = FixtureTreeDriver(tree)
        let plan = try scenario.plan(&probe)
        let before = Self.snapshot(tree.root)
        var driver = FixtureTreeDriver(tree, failure: (point.index, Errno(rawValue: EIO)))
        do throws(LinkSetupError) {
            _ = try apply(plan, with: &driver)
            Issue.record("apply went through a failure at step \(point.index)")
        } catch {
            expectRolledBack(error, plan: plan, at: point.index, errno: "EIO")
        }
        let after = Self.snapshot(tree.root)
        for path in Set(before.keys).union(after.keys).sorted() where before[path] != after[path] {
            Issue.record("\(path): was \(before[path].debugDescription), now \(after[path].debugDescription)")
        }
    }
}

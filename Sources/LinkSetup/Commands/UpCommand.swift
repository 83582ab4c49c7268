import Glibc
import SystemPackage

/// Everything `ibsetup up` was asked, parsed and validated.
public struct UpOptions: Sendable {
    public var requests: [UpRequest]
    public var dryRun: Bool
    public var requireSM: Bool
    public var json: Bool
    /// A captured tree to plan against (dry runs only); nil: this host.
    public var sysfsRoot: String?

    public init(requests: [UpRequest], dryRun: Bool = false, requireSM: Bool = false, json: Bool = false,
                sysfsRoot: String? = nil) {
        self.requests = requests
        self.dryRun = dryRun
        self.requireSM = requireSM
        self.json = json
        self.sysfsRoot = sysfsRoot
    }
}

/// What a run of `up` or `down` decided and did.
public struct RunResult: Equatable, Sendable {
    public var command: String
    public var dryRun: Bool
    public var ports: [String] = []
    public var warnings: [String] = []
    public var plan: Plan
    public var report: ApplyReport?
}

/// The host facts a run needs besides link state, injectable for tests.
public struct HostFacts: Sendable {
    public var readiness: @Sendable (String) -> PortReadiness?
    /// IPoIB netdev names, for "did you mean" in errors.
    public var ipoibNames: [String]
    /// `ib_ipoib` is not loaded although IB ports exist.
    public var moduleMissing: Bool
    /// Some RDMA port has link layer InfiniBand (RoCE ports carry no IPoIB).
    public var hasInfiniBand: Bool
    public var isRoot: Bool

    public init(readiness: @escaping @Sendable (String) -> PortReadiness?, ipoibNames: [String],
                moduleMissing: Bool = false, hasInfiniBand: Bool = true, isRoot: Bool) {
        self.readiness = readiness
        self.ipoibNames = ipoibNames
        self.moduleMissing = moduleMissing
        self.hasInfiniBand = hasInfiniBand
        self.isRoot = isRoot
    }
}

public enum UpCommand {
    /// `ibsetup up`: checks, plans, and (unless dry run) applies, verifies and
    /// reports. Throws the first precondition or step that failed.
    public static func run(_ options: UpOptions, console: Console) throws(LinkSetupError) {
        let root = FilePath(options.sysfsRoot ?? "/")
        if options.sysfsRoot != nil, !options.dryRun { throw .sysfsRootWithoutDryRun(root.string) }
        let facts = HostFacts.read(root: root)
        var result: RunResult
        if options.sysfsRoot != nil {
            var driver = CapturedTreeDriver(sysfs: SysfsReader(root: root))
            result = try run(options, facts: facts, driver: &driver, console: console)
        } else {
            var driver = try SystemLinkDriver(sysfs: SysfsReader(root: root))
            result = try run(options, facts: facts, driver: &driver, console: console)
            if result.plan.steps == [.loadModule("ib_ipoib")], !options.dryRun {
                guard facts.isRoot else { throw .notRoot("ib_ipoib") }
                let loaded = try apply(result.plan, with: &driver)
                result = try run(options, facts: HostFacts.read(root: root), driver: &driver, console: console)
                result.plan.steps.insert(contentsOf: loaded.performed, at: 0)
                result.report?.performed.insert(contentsOf: loaded.performed, at: 0)
            }
        }
        RunOutput.print(result, json: options.json, console: console)
    }

    /// The run against any driver: preconditions, plan, apply. Warnings go to
    /// `console.err` as they are found.
    public static func run(_ options: UpOptions, facts: HostFacts, driver: inout some LinkDriver & ~Copyable,
                           console: Console) throws(LinkSetupError) -> RunResult {
        var plans: [Plan] = []
        var result = RunResult(command: "up", dryRun: options.dryRun, plan: Plan())
        var loadFirst = false
        for request in options.requests {
            guard let parent = try driver.observe(request.interface) else {
                if facts.moduleMissing { loadFirst = true; continue }
                throw .unknownInterface(request.interface, known: facts.ipoibNames, hasInfiniBand: facts.hasInfiniBand)
            }
            guard parent.isIPoIB else { throw .notIPoIB(parent.name, type: parent.hardwareType) }
            let readiness = facts.readiness(parent.parent ?? parent.name)
            if let readiness { result.ports.append("\(request.target) on \(readiness.summary)") }
            let warnings = try Preconditions.checkPort(request.target, readiness, requireSM: options.requireSM)
            for warning in warnings { console.err("warning: " + warning) }
            result.warnings += warnings
            let child = request.pkey == nil ? nil : try driver.observe(request.target)
            plans.append(try Planner.up(request, parent: parent, child: child))
        }
        if loadFirst {
            // The interfaces appear only once the module is loaded: the caller
            // loads it, then plans again against what the kernel created.
            result.plan = Plan(steps: [.loadModule("ib_ipoib")],
                               notes: ["ib_ipoib is not loaded: the steps for its interfaces are planned once it has created them"])
            return result
        }
        result.plan = Plan.combined(plans)
        if options.dryRun || result.plan.isEmpty { return result }
        guard facts.isRoot else { throw .notRoot(options.requests.map(\.target).joined(separator: ", ")) }
        result.report = try apply(result.plan, with: &driver)
        return result
    }
}

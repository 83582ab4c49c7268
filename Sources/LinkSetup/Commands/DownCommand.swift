import SystemPackage

/// Everything `ibsetup down` was asked.
public struct DownOptions: Sendable {
    public var requests: [DownRequest]
    public var dryRun: Bool
    public var json: Bool
    public var sysfsRoot: String?

    public init(requests: [DownRequest], dryRun: Bool = false, json: Bool = false, sysfsRoot: String? = nil) {
        self.requests = requests
        self.dryRun = dryRun
        self.json = json
        self.sysfsRoot = sysfsRoot
    }
}

public enum DownCommand {
    /// `ibsetup down`: removes addresses, brings the link down, optionally
    /// deletes the P_Key child; undoes everything if a step fails.
    public static func run(_ options: DownOptions, console: Console) throws(LinkSetupError) {
        let root = FilePath(options.sysfsRoot ?? "/")
        if options.sysfsRoot != nil, !options.dryRun { throw .sysfsRootWithoutDryRun(root.string) }
        let facts = HostFacts.read(root: root)
        let result: RunResult
        if options.sysfsRoot != nil {
            var driver = CapturedTreeDriver(sysfs: SysfsReader(root: root))
            result = try run(options, facts: facts, driver: &driver)
        } else {
            var driver = try SystemLinkDriver(sysfs: SysfsReader(root: root))
            result = try run(options, facts: facts, driver: &driver)
        }
        RunOutput.print(result, json: options.json, console: console)
    }

    public static func run(_ options: DownOptions, facts: HostFacts,
                           driver: inout some LinkDriver & ~Copyable) throws(LinkSetupError) -> RunResult {
        var plans: [Plan] = []
        for request in options.requests {
            let state = try driver.observe(request.interface)
            if state == nil {
                // A child already deleted is the goal of --delete-child, not an error.
                let parent = request.interface.split(separator: ".").dropLast().joined(separator: ".")
                let isChildName = !parent.isEmpty && (try? driver.observe(parent)) != nil
                guard request.deleteChild, isChildName else {
                    throw .unknownInterface(request.interface, known: facts.ipoibNames, hasInfiniBand: facts.hasInfiniBand)
                }
            }
            plans.append(try Planner.down(request, state: state))
        }
        var result = RunResult(command: "down", dryRun: options.dryRun, plan: Plan.combined(plans))
        if options.dryRun || result.plan.isEmpty { return result }
        guard facts.isRoot else { throw .notRoot(options.requests.map(\.interface).joined(separator: ", ")) }
        result.report = try apply(result.plan, with: &driver)
        return result
    }
}

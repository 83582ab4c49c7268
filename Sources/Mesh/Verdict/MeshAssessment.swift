/// The first judgement of a mesh run: which directed links are slow against the run's
/// own baseline, and which scheduled links never produced a result.
public struct MeshAssessment: Sendable, Equatable {
    public let rules: OutlierRules
    public let baseline: Baseline
    /// The latest mesh-phase result of each directed link.
    public let results: [DirectedLink: LinkResult]
    /// Flagged links, sorted.
    public let flagged: [FlaggedLink]
    /// Links the schedule had that have no result (a node unreachable, the deadline
    /// passed), sorted.
    public let missing: [DirectedLink]

    public struct FlaggedLink: Sendable, Equatable {
        public let link: DirectedLink
        public let flags: [Flag]
    }

    /// - Parameter expected: the schedule's links; nil to take the results as complete.
    public init(results: [LinkResult], expected: [DirectedLink]? = nil, rules: OutlierRules = OutlierRules()) {
        let latest = results.latest(phase: .mesh)
        let baseline = Baseline(latest.values)
        self.rules = rules
        self.baseline = baseline
        self.results = latest
        flagged = latest.keys.sorted().compactMap { link in
            let flags = rules.flags(latest[link]!, baseline: baseline)
            return flags.isEmpty ? nil : FlaggedLink(link: link, flags: flags)
        }
        missing = Set(expected ?? []).subtracting(latest.keys).sorted()
    }

    /// Endpoints of flagged links, sorted: the nodes the retests look at.
    public var suspects: [String] {
        Set(flagged.flatMap { [$0.link.from, $0.link.to] }).sorted()
    }

    /// How many flagged links touch `node`.
    func flagCount(_ node: String) -> Int {
        flagged.count { $0.link.from == node || $0.link.to == node }
    }
}

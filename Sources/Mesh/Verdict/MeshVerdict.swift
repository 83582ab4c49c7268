/// The final word on a mesh run, from the retests: which nodes are bad, which links.
///
/// A suspect node is bad when at least half of its partner retests fail: a bad node
/// (slow HCA, wrong PCIe width, bad firmware) is slow against every partner, a bad
/// link only between its two ends; a node slow in one direction only fails half.
/// Every flagged link not explained by a bad node is reported as a bad link.
public struct MeshVerdict: Sendable, Equatable {
    public let nodes: [NodeFinding]
    public let links: [LinkFinding]

    public struct NodeFinding: Sendable, Equatable {
        public let node: String
        public let state: NodeState
        /// Retests that failed, of `retests` counted as evidence.
        public let failed: Int
        public let retests: Int
    }

    public enum NodeState: String, Sendable, Equatable, Codable {
        case bad
        /// Suspected, but its retests passed: its flagged links are link problems.
        case cleared
        /// No retest could say (its retests did not run).
        case undetermined
    }

    public struct LinkFinding: Sendable, Equatable {
        public let link: DirectedLink
        /// Why the mesh phase flagged it.
        public let flags: [Flag]
        /// Its retest alone, if it ran.
        public let retest: LinkResult?
        public let outcome: LinkOutcome
    }

    public enum LinkOutcome: Sendable, Equatable {
        /// Explained by these bad endpoint(s).
        case badNode([String])
        /// Slow again when tested alone.
        case badLink
        /// Slow in the mesh but fine alone: the link holds up only without other
        /// traffic (a congested or mis-routed spine path).
        case slowUnderLoad
        /// Its retest did not run.
        case notRetested

        public var name: String {
            switch self {
            case .badNode: "bad_node"
            case .badLink: "bad_link"
            case .slowUnderLoad: "slow_under_load"
            case .notRetested: "not_retested"
            }
        }
    }

    public init(assessment: MeshAssessment, plan: RetestPlan, retests: [LinkResult]) {
        let latest = retests.latest(phase: .retest)
        let fails: (DirectedLink) -> Bool? = { link in
            latest[link].map { !assessment.rules.flags($0, baseline: assessment.baseline).isEmpty }
        }
        func judge(_ evidence: [DirectedLink]) -> (state: NodeState, failed: Int, total: Int) {
            let outcomes = evidence.compactMap(fails)
            let failed = outcomes.count { $0 }
            if outcomes.isEmpty { return (.undetermined, 0, 0) }
            return (2 * failed >= outcomes.count ? .bad : .cleared, failed, outcomes.count)
        }

        var byNode: [String: NodeFinding] = [:]
        let suspects = assessment.suspects
        for node in suspects {
            let (state, failed, total) = judge(plan.partnerLinks(of: node))
            byNode[node] = NodeFinding(node: node, state: state, failed: failed, retests: total)
        }
        nodes = suspects.compactMap { byNode[$0] }

        links = assessment.flagged.map { flagged in
            let link = flagged.link
            let bad = [link.from, link.to].filter { byNode[$0]?.state == .bad }
            let outcome: LinkOutcome
            if !bad.isEmpty {
                outcome = .badNode(bad)
            } else if let failed = fails(link) {
                outcome = failed ? .badLink : .slowUnderLoad
            } else {
                outcome = .notRetested
            }
            return LinkFinding(link: link, flags: flagged.flags, retest: latest[link], outcome: outcome)
        }
    }

    public var badNodes: [String] { nodes.filter { $0.state == .bad }.map(\.node) }

    /// Flagged links not explained by a bad node.
    public var badLinks: [DirectedLink] {
        links.filter { if case .badNode = $0.outcome { false } else { true } }.map(\.link)
    }
}

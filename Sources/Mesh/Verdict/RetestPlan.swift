/// The tests that tell a bad node from a bad link, each run alone (no other pair
/// running) so that contention elsewhere in the fabric cannot explain the result.
///
/// Each flagged link is retested by itself. Each suspect node (an endpoint of a flagged
/// link) is also tested in both directions against `partnersPerNode` nodes that passed:
/// a bad node is slow against everyone, a bad link only between its two ends. The
/// steps run one at a time, in order; each directed link appears once.
public struct RetestPlan: Sendable, Equatable {
    public let steps: [Step]
    /// The partners chosen for each suspect node.
    public let partners: [String: [String]]

    /// The directed links that test `node` against its partners.
    public func partnerLinks(of node: String) -> [DirectedLink] {
        (partners[node] ?? []).flatMap { [DirectedLink(from: node, to: $0), DirectedLink(from: $0, to: node)] }
    }

    /// One directed test; each link appears once even when it serves two suspects.
    public struct Step: Sendable, Equatable {
        public let link: DirectedLink
        public let purpose: Purpose
    }

    public enum Purpose: Sendable, Equatable, Hashable {
        /// The flagged link again, alone.
        case flaggedLink
        /// The suspect node against a partner that passed.
        case suspectNode(String)
    }

    /// Partners are chosen deterministically, so a replayed run retests the same
    /// pairs. "Passed" is taken as "fewest flagged links": the partners are the other
    /// nodes with the fewest flags, ties taken in name order starting at a different
    /// place for each suspect (so one partner does not carry every retest). When one
    /// node is bad, every node has a flagged link (the one to it), so a strict "no flag"
    /// rule would leave the bad node with no partner at all.
    public init(assessment: MeshAssessment, hosts: [String], partnersPerNode: Int = 2) {
        let suspects = assessment.suspects
        var steps = assessment.flagged.map { Step(link: $0.link, purpose: .flaggedLink) }
        // A partner link may also be a flagged link, or another suspect's partner link.
        var planned = Set(steps.map(\.link))
        var partners: [String: [String]] = [:]
        let flagCount = Dictionary(uniqueKeysWithValues: hosts.map { ($0, assessment.flagCount($0)) })
        let ranked = hosts.sorted { (flagCount[$0]!, $0) < (flagCount[$1]!, $1) }
        for (i, node) in suspects.enumerated() {
            let candidates = ranked.filter { $0 != node }
            guard let fewest = candidates.first.flatMap({ flagCount[$0] }) else {
                partners[node] = []
                continue
            }
            let best = candidates.filter { flagCount[$0] == fewest }
            var chosen: [String] = []
            for k in 0..<min(partnersPerNode, best.count) {
                chosen.append(best[(partnersPerNode * i + k) % best.count])
            }
            chosen += candidates.dropFirst(best.count).prefix(partnersPerNode - chosen.count)
            partners[node] = chosen
            for partner in chosen {
                for link in [DirectedLink(from: node, to: partner), DirectedLink(from: partner, to: node)]
                where planned.insert(link).inserted {
                    steps.append(Step(link: link, purpose: .suspectNode(node)))
                }
            }
        }
        self.steps = steps
        self.partners = partners
    }
}

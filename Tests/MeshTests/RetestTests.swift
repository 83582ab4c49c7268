import Testing
@testable import Mesh

@Suite struct RetestTests {
    /// The retests of `plan`, each measured in `mesh` (the fault as it really is).
    func retests(_ plan: RetestPlan, in mesh: SyntheticMesh) -> [LinkResult] {
        let truth = mesh.results(phase: .retest).latest(phase: .retest)
        return plan.steps.compactMap { truth[$0.link] }
    }

    @Test func aSlowNodeIsBlamedAndItsLinksAreExplained() {
        var mesh = SyntheticMesh(8)
        mesh.slowNode("n4", factor: 0.5)
        let assessment = MeshAssessment(results: mesh.results())
        #expect(assessment.flagged.count == 14)
        let plan = RetestPlan(assessment: assessment, hosts: mesh.hosts)
        #expect(plan.partners["n4"]?.count == 2)
        let verdict = MeshVerdict(assessment: assessment, plan: plan, retests: retests(plan, in: mesh))
        #expect(verdict.badNodes == ["n4"])
        #expect(verdict.badLinks.isEmpty)
        #expect(verdict.links.allSatisfy { $0.outcome == .badNode(["n4"]) })
    }

    @Test func aSlowLinkIsBlamedAndItsEndsAreCleared() {
        var mesh = SyntheticMesh(6)
        let slow = DirectedLink(from: "n2", to: "n5")
        mesh.bandwidth[slow] = 40e9
        let assessment = MeshAssessment(results: mesh.results())
        let plan = RetestPlan(assessment: assessment, hosts: mesh.hosts)
        #expect(plan.steps.first == RetestPlan.Step(link: slow, purpose: .flaggedLink))
        #expect(plan.steps.count == 1 + 2 * 2 * 2)
        let verdict = MeshVerdict(assessment: assessment, plan: plan, retests: retests(plan, in: mesh))
        #expect(verdict.badNodes.isEmpty)
        #expect(verdict.nodes.map(\.state) == [.cleared, .cleared])
        #expect(verdict.nodes.map(\.retests) == [4, 4])
        #expect(verdict.badLinks == [slow])
        #expect(verdict.links.first?.outcome == .badLink)
    }

    @Test func aLinkFineAloneIsSlowUnderLoad() {
        var mesh = SyntheticMesh(6)
        let slow = DirectedLink(from: "n1", to: "n6")
        mesh.bandwidth[slow] = 40e9
        let assessment = MeshAssessment(results: mesh.results())
        let plan = RetestPlan(assessment: assessment, hosts: mesh.hosts)
        let verdict = MeshVerdict(assessment: assessment, plan: plan, retests: retests(plan, in: SyntheticMesh(6)))
        #expect(verdict.links.map(\.outcome) == [.slowUnderLoad])
        #expect(verdict.badLinks == [slow])
    }

    @Test func partnersAreCleanDeterministicAndSpread() {
        var mesh = SyntheticMesh(8)
        mesh.bandwidth[DirectedLink(from: "n1", to: "n2")] = 30e9
        mesh.bandwidth[DirectedLink(from: "n3", to: "n4")] = 30e9
        let assessment = MeshAssessment(results: mesh.results())
        let plan = RetestPlan(assessment: assessment, hosts: mesh.hosts.reversed())
        #expect(plan == RetestPlan(assessment: assessment, hosts: mesh.hosts))
        #expect(plan.partners == ["n1": ["n5", "n6"], "n2": ["n7", "n8"], "n3": ["n5", "n6"], "n4": ["n7", "n8"]])
        #expect(Set(plan.steps.map(\.link)).count == plan.steps.count)
    }

    /// Three nodes, one of them slow sending (a `tc` limit on its egress): every node
    /// has a flagged link, so partners are the nodes with the fewest flags.
    @Test func aThreeNodeMeshFindsANodeSlowInOneDirection() {
        var mesh = SyntheticMesh(3)
        for link in mesh.links where link.from == "n1" { mesh.bandwidth[link] = 30e9 }
        let assessment = MeshAssessment(results: mesh.results())
        #expect(assessment.flagged.map(\.link.description) == ["n1-n2", "n1-n3"])
        #expect(assessment.suspects == ["n1", "n2", "n3"])
        let plan = RetestPlan(assessment: assessment, hosts: mesh.hosts)
        #expect(plan.partners == ["n1": ["n2", "n3"], "n2": ["n3", "n1"], "n3": ["n2", "n1"]])
        #expect(plan.steps.count == 6)
        let verdict = MeshVerdict(assessment: assessment, plan: plan, retests: retests(plan, in: mesh))
        #expect(verdict.nodes.map(\.state) == [.bad, .cleared, .cleared])
        #expect(verdict.nodes.map(\.failed) == [2, 1, 1])
        #expect(verdict.links.map(\.outcome) == [.badNode(["n1"]), .badNode(["n1"])])
        #expect(verdict.badLinks.isEmpty)
    }

    @Test func missingRetestsLeaveNodesUndetermined() {
        var mesh = SyntheticMesh(5)
        mesh.bandwidth[DirectedLink(from: "n1", to: "n2")] = 30e9
        let assessment = MeshAssessment(results: mesh.results())
        let plan = RetestPlan(assessment: assessment, hosts: mesh.hosts)
        let verdict = MeshVerdict(assessment: assessment, plan: plan, retests: [])
        #expect(verdict.nodes.map(\.state) == [.undetermined, .undetermined])
        #expect(verdict.links.map(\.outcome) == [.notRetested])
    }

    @Test func halfOfTheRetestsFailingMakesANodeBad() {
        var mesh = SyntheticMesh(6)
        let slow = DirectedLink(from: "n1", to: "n2")
        mesh.bandwidth[slow] = 30e9
        let assessment = MeshAssessment(results: mesh.results())
        let plan = RetestPlan(assessment: assessment, hosts: mesh.hosts)
        // n1 is slow sending to its first partner, in both of whose directions: 2 of 4.
        var truth = mesh
        let partner = plan.partners["n1"]![0]
        truth.bandwidth[DirectedLink(from: "n1", to: partner)] = 30e9
        truth.bandwidth[DirectedLink(from: partner, to: "n1")] = 30e9
        let verdict = MeshVerdict(assessment: assessment, plan: plan, retests: retests(plan, in: truth))
        #expect(verdict.nodes.first { $0.node == "n1" }?.state == .bad)
        #expect(verdict.nodes.first { $0.node == "n2" }?.state == .cleared)
        #expect(verdict.links.map(\.outcome) == [.badNode(["n1"])])
    }
}

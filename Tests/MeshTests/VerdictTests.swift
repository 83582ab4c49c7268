import Testing
@testable import Mesh

/// Synthetic meshes: every directed link at `healthy` unless overridden.
struct SyntheticMesh {
    let hosts: [String]
    var bandwidth: [DirectedLink: Double] = [:]
    var latency: [DirectedLink: Double] = [:]
    var failed: Set<DirectedLink> = []
    var missing: Set<DirectedLink> = []
    var healthy = 100e9
    var healthyLatency = 2_000.0

    init(_ n: Int) { hosts = (1...n).map { "n\($0)" } }

    var links: [DirectedLink] {
        hosts.flatMap { a in hosts.filter { $0 != a }.map { DirectedLink(from: a, to: $0) } }
    }

    /// Deterministic jitter of ±1 % so that the MAD is not 0.
    func jitter(_ link: DirectedLink) -> Double {
        Double((link.from.hashValueStable &* 31 &+ link.to.hashValueStable) % 21 - 10) / 1000
    }

    func results(phase: LinkResult.Phase = .mesh, jittered: Bool = true) -> [LinkResult] {
        links.filter { !missing.contains($0) }.map { link in
            if failed.contains(link) {
                return LinkResult(link, transport: "tcp", phase: phase, status: .failed, reason: "connection refused")
            }
            let bw = bandwidth[link] ?? healthy * (1 + (jittered ? jitter(link) : 0))
            return LinkResult(link, transport: "tcp", phase: phase, bandwidthBitsPerSecond: bw,
                              latencyNanoseconds: latency[link] ?? healthyLatency)
        }
    }

    /// Makes `node` slow in both directions to everyone.
    mutating func slowNode(_ node: String, factor: Double) {
        for link in links where link.from == node || link.to == node { bandwidth[link] = healthy * factor }
    }
}

extension String {
    /// A hash that does not change between runs (Swift's `hashValue` is seeded per process).
    var hashValueStable: Int { unicodeScalars.reduce(7) { ($0 &* 131 &+ Int($1.value)) & 0xFFFF } }
}

@Suite struct OutlierRuleTests {
    @Test func allHealthyFlagsNothing() {
        let mesh = SyntheticMesh(6)
        let assessment = MeshAssessment(results: mesh.results(), expected: mesh.links)
        #expect(assessment.flagged.isEmpty)
        #expect(assessment.missing.isEmpty)
        #expect(MeshExitStatus.of(assessment: assessment) == .healthy)
    }

    @Test func oneSlowLinkIsFlaggedByRatioAndZ() throws {
        var mesh = SyntheticMesh(6)
        let slow = DirectedLink(from: "n2", to: "n5")
        mesh.bandwidth[slow] = 60e9
        let assessment = MeshAssessment(results: mesh.results(), expected: mesh.links)
        #expect(assessment.flagged.map(\.link) == [slow])
        let rules = Set(try #require(assessment.flagged.first).flags.map(\.rule))
        #expect(rules == ["min_ratio", "robust_z"])
        #expect(assessment.suspects == ["n2", "n5"])
        #expect(MeshExitStatus.of(assessment: assessment) == .outliers)
    }

    @Test func aSmallDipIsFlaggedByZAloneWhenTheFabricIsSteady() throws {
        var mesh = SyntheticMesh(8)
        let dip = DirectedLink(from: "n1", to: "n3")
        mesh.bandwidth[dip] = 93e9  // 93 % of the median: above min-ratio, far outside ±1 % jitter
        let flagged = MeshAssessment(results: mesh.results()).flagged
        #expect(flagged.map(\.link) == [dip])
        #expect(flagged.first?.flags.map(\.rule) == ["robust_z"])
    }

    @Test func madOfZeroFallsBackToTheMeanDeviation() {
        var mesh = SyntheticMesh(5)
        let slow = DirectedLink(from: "n4", to: "n1")
        mesh.bandwidth[slow] = 95e9  // above min-ratio; only a z-score can catch it
        let results = mesh.results(jittered: false)
        let baseline = Baseline(results)
        #expect(baseline.medianBandwidthBitsPerSecond == 100e9)
        #expect(baseline.bandwidthScale != nil)
        let flagged = MeshAssessment(results: results).flagged
        #expect(flagged.map(\.link) == [slow])
        #expect(flagged.first?.flags.map(\.rule) == ["robust_z"])
    }

    @Test func identicalLinksHaveNoZScore() {
        let results = SyntheticMesh(4).results(jittered: false)
        #expect(Baseline(results).bandwidthScale == nil)
        #expect(MeshAssessment(results: results).flagged.isEmpty)
    }

    @Test func expectMinAndLatencyRules() {
        var mesh = SyntheticMesh(4)
        let laggy = DirectedLink(from: "n3", to: "n4")
        mesh.latency[laggy] = 4_100
        let assessment = MeshAssessment(results: mesh.results(), rules: OutlierRules(expectMinBitsPerSecond: 99.5e9))
        let byLink = Dictionary(uniqueKeysWithValues: assessment.flagged.map { ($0.link, $0.flags.map(\.rule)) })
        #expect(byLink[laggy]?.contains("latency") == true)
        #expect(byLink.values.filter { $0.contains("expect_min") }.count
            == mesh.results().count { $0.bandwidthBitsPerSecond! < 99.5e9 })
    }

    @Test func failedAndMissingResults() {
        var mesh = SyntheticMesh(4)
        let refused = DirectedLink(from: "n1", to: "n2")
        let lost = DirectedLink(from: "n3", to: "n1")
        mesh.failed = [refused]
        mesh.missing = [lost]
        let assessment = MeshAssessment(results: mesh.results(), expected: mesh.links)
        #expect(assessment.flagged.map(\.link) == [refused])
        #expect(assessment.flagged.first?.flags == [.failed("connection refused")])
        #expect(assessment.missing == [lost])
        #expect(assessment.results.count == 11)
        #expect(MeshExitStatus.of(assessment: assessment) == .incomplete)
    }

    @Test func incompleteWinsAndUnreachableOrDeadlineMakeARunIncomplete() {
        let assessment = MeshAssessment(results: SyntheticMesh(3).results())
        #expect(MeshExitStatus.of(assessment: assessment, unreachable: ["n9"]) == .incomplete)
        #expect(MeshExitStatus.of(assessment: assessment, deadlinePassed: true) == .incomplete)
        #expect(MeshExitStatus.allCases.map(\.rawValue) == [0, 1, 2])
    }

    @Test func theLatestResultOfALinkCounts() {
        var results = SyntheticMesh(3).results()
        let link = results[0].link
        results.append(LinkResult(link, transport: "tcp", bandwidthBitsPerSecond: 1e9))
        #expect(MeshAssessment(results: results).flagged.map(\.link) == [link])
    }
}

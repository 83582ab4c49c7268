import Testing
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import Mesh

@Suite struct OutputTests {
    /// n1..n4 at 100 Gbit/s, n2 → n3 slow, n4 → n1 failed, n1 → n4 never measured.
    var results: [LinkResult] {
        var mesh = SyntheticMesh(4)
        mesh.bandwidth[DirectedLink(from: "n2", to: "n3")] = 50e9
        mesh.failed = [DirectedLink(from: "n4", to: "n1")]
        mesh.missing = [DirectedLink(from: "n1", to: "n4")]
        return mesh.results(jittered: false)
    }

    @Test func bandwidthMatrixIsNByNSortedWithEmptyDiagonalAndGaps() {
        let csv = MatrixCSV.bandwidth(results.reversed(), hosts: ["n3", "n1", "n4", "n2"])
        #expect(csv == """
            from\\to [bit/s],n1,n2,n3,n4
            n1,,100000000000,100000000000,
            n2,100000000000,,50000000000,100000000000
            n3,100000000000,100000000000,,100000000000
            n4,,100000000000,100000000000,

            """)
    }

    @Test func latencyMatrixInNanoseconds() {
        let lines = MatrixCSV.latency(results, hosts: ["n1", "n2", "n3", "n4"]).split(separator: "\n")
        #expect(lines.count == 5)
        #expect(lines[0] == "from\\to [ns],n1,n2,n3,n4")
        #expect(lines[1] == "n1,,2000,2000,")
    }

    @Test func oddHostNamesAreQuoted() {
        #expect(MatrixCSV.field("a,b") == "\"a,b\"")
        #expect(MatrixCSV.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
    }

    func summary(retested: Bool) -> MeshSummary {
        let hosts = ["n1", "n2", "n3", "n4"]
        let assessment = MeshAssessment(results: results, expected: SyntheticMesh(4).links)
        let plan = RetestPlan(assessment: assessment, hosts: hosts)
        let retests = plan.steps.map { step in
            LinkResult(step.link, transport: "tcp", phase: .retest,
                       bandwidthBitsPerSecond: step.link == DirectedLink(from: "n2", to: "n3") ? 50e9 : 100e9)
        }
        let verdict = retested ? MeshVerdict(assessment: assessment, plan: plan, retests: retests) : nil
        return MeshSummary(transport: "tcp", hosts: hosts, seed: 18_446_744_073_709_551_557,
                           assessment: assessment, verdict: verdict, unreachable: [])
    }

    @Test func summaryJSONCarriesSchemaVerdictsAndStatus() throws {
        let text = summary(retested: true).json()
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(json["schema"] as? String == "ibkit.mesh.summary/1")
        #expect(json["seed"] as? String == "18446744073709551557")
        #expect(json["status"] as? String == "incomplete")
        #expect(json["exit_status"] as? Int == 2)
        #expect(json["missing"] as? [String] == ["n1-n4"])
        #expect(json["bad_links"] as? [String] == ["n2-n3", "n4-n1"])
        #expect(json["bad_nodes"] as? [String] == [])
        let flagged = try #require(json["flagged"] as? [[String: Any]])
        #expect(flagged.map { $0["outcome"] as? String } == ["bad_link", "slow_under_load"])
        #expect(flagged[1]["bandwidth_bps"] is NSNull)
        let firstFlags = try #require(flagged[0]["flags"] as? [[String: Any]])
        #expect(firstFlags.first?["rule"] as? String == "min_ratio")
        #expect(firstFlags.first?["value"] as? Double == 0.5)
        let counts = try #require(json["counts"] as? [String: Int])
        #expect(counts == ["measured": 11, "failed": 1, "missing": 1, "flagged": 2])
        let baseline = try #require(json["baseline"] as? [String: Double])
        #expect(baseline["median_bandwidth_bps"] == 100e9)
    }

    @Test func summaryWithoutRetestsStillListsFlags() throws {
        let text = summary(retested: false).json()
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let flagged = try #require(json["flagged"] as? [[String: Any]])
        #expect(flagged.count == 2)
        #expect(flagged.allSatisfy { $0["outcome"] is NSNull })
        #expect((json["nodes"] as? [Any])?.isEmpty == true)
    }

    var svg: String {
        let assessment = MeshAssessment(results: results)
        return HeatmapSVG.render(results, hosts: ["n4", "n3", "n2", "n1"], flagged: Set(assessment.flagged.map(\.link)),
                                 baseline: assessment.baseline, title: "mesh tcp <4 nodes> & more")
    }

    @Test func heatmapHasACellPerLinkAndMarksTheFlagged() {
        let svg = self.svg
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.components(separatedBy: "class=\"cell\"").count - 1 == 16)
        #expect(svg.components(separatedBy: "class=\"flagged\"").count - 1 == 2)
        #expect(svg.contains("<title>n2 → n3: 50.0 Gbit/s (50 % of the median), 2.0 µs round trip</title>"))
        #expect(svg.contains("n4 → n1: failed (connection refused)"))
        #expect(svg.contains("n1 → n4: not measured"))
        #expect(svg.contains("mesh tcp &lt;4 nodes&gt; &amp; more"))
        #expect(svg.contains("receiver (to)") && svg.contains("sender (from)"))
        #expect(svg.contains("of the median bandwidth (100.0 Gbit/s)"))
    }

    @Test func heatmapRowsAndColumnsAreSortedByName() throws {
        let svg = self.svg
        let labels = svg.components(separatedBy: "text-anchor=\"end\">").dropFirst().map { $0.prefix(2) }
        #expect(labels == ["n1", "n2", "n3", "n4"])
    }

    @Test func heatmapIsSelfContained() {
        let svg = self.svg
        for external in ["href", "<image", "<script", "@import", "url(http", "<foreignObject"] {
            #expect(!svg.contains(external), "\(external) in the heatmap")
        }
    }

    #if canImport(FoundationXML) || os(macOS)
    @Test func heatmapIsWellFormedXML() {
        let parser = XMLParser(data: Data(svg.utf8))
        #expect(parser.parse(), "\(parser.parserError.map(String.init(describing:)) ?? "")")
    }
    #endif

    @Test(arguments: [(0.2, "#d73027"), (0.5, "#d73027"), (0.75, "#fee08b"), (1.0, "#1a9850"), (1.3, "#1a9850")])
    func colourFollowsTheRatioToTheMedian(_ ratio: Double, _ colour: String) {
        #expect(HeatmapSVG.colour(ratio: ratio) == colour)
    }

    @Test func colourIsBetweenTheStops() {
        #expect(HeatmapSVG.colour(ratio: 0.9) != HeatmapSVG.colour(ratio: 0.8))
        #expect(HeatmapSVG.colour(ratio: .nan) == "#d73027")
    }
}

@Suite struct NaturalOrderTests {
    @Test func numbersSortByValue() {
        #expect(NaturalOrder.sorted(["n10", "n2", "n1", "gpu01", "n02", "a", "n1b", "n1a"])
            == ["a", "gpu01", "n1", "n1a", "n1b", "n02", "n2", "n10"])
    }

    @Test func matricesUseIt() {
        let link = DirectedLink(from: "n10", to: "n9")
        let csv = MatrixCSV.bandwidth([LinkResult(link, transport: "tcp", bandwidthBitsPerSecond: 1e9)], hosts: ["n10", "n9"])
        #expect(csv == "from\\to [bit/s],n9,n10\nn9,,\nn10,1000000000,\n")
    }
}

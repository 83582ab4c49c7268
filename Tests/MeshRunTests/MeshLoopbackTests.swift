import BenchCore
import Foundation
import TestProcesses
import Testing

/// `ibbench mesh` as a user runs it: one process per rank, here each on its own loopback
/// address of this machine, the built binary, short tests.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct MeshLoopbackTests {
    /// Starts one process per host; `extra(rank)` adds that rank's own options.
    func launch(_ hosts: [String], slot: Int, directory: URL, common: [String] = ["-t", "0.3"],
                extra: (Int) -> [String] = { _ in [] }) throws -> [MeshRank] {
        let ports = meshPorts(slot: slot)
        return try hosts.indices.map { rank in
            try MeshRank(rank: rank, arguments: ["--hosts", hosts.joined(separator: ","), "--rank", String(rank),
                                                 "--port", String(ports.server), "--coordinator-port", String(ports.coordinator)]
                                                + common + extra(rank),
                         directory: directory)
        }
    }

    @Test("3 ranks: every directed link measured, N x N matrices, a subunit stream the tools read")
    func threeRanks() throws {
        let dir = try scratchDirectory("three")
        defer { try? FileManager.default.removeItem(at: dir) }
        let hosts = loopbackHosts(3)
        let out = dir.appendingPathComponent("run")
        let ranks = try launch(hosts, slot: 0, directory: dir) { $0 == 0 ? ["--format", "subunit", "--out", out.path, "--seed", "1"] : [] }
        let statuses = ranks.map { $0.wait(seconds: 120) }
        // Loopback figures swing between CPU placements, so a complete run may flag links (1).
        #expect([0, 1].contains(statuses[0]), "rank 0: \(ranks[0].stderr)")
        #expect(Array(statuses.dropFirst()) == [0, 0], "\(ranks.map(\.stderr))")

        let mesh = journal(out.appendingPathComponent("results.jsonl")).filter { $0.phase == "mesh" }
        #expect(Set(mesh.map(\.link)) == directedLinks(hosts))
        #expect(mesh.count == 6)
        #expect(mesh.allSatisfy { $0.status == "success" && ($0.bandwidth_bps ?? 0) > 0 && ($0.latency_ns ?? 0) > 0 })

        for name in ["matrix-bw.csv", "matrix-lat.csv"] {
            let rows = try String(contentsOf: out.appendingPathComponent(name), encoding: .utf8)
                .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            #expect(rows.count == 4, "\(name): a header and a row per host")
            #expect(rows.allSatisfy { $0.count == 4 }, "\(name): a label and a column per host")
            #expect(Array(rows[0].dropFirst()) == hosts)
            for (i, row) in rows.dropFirst().enumerated() {
                for (j, cell) in row.dropFirst().enumerated() {
                    if i == j { #expect(cell.isEmpty) } else { #expect((Double(cell) ?? 0) > 0, "\(name) \(row[0]) -> \(hosts[j])") }
                }
            }
        }
        let report = try summary(out)
        #expect(report.exit_status == Int(statuses[0]))
        #expect(report.missing.isEmpty && report.unreachable.isEmpty)
        let svg = try String(contentsOf: out.appendingPathComponent("heatmap.svg"), encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>\n"))

        // The stream: one test per directed link, route code = the link, then retests and the verdict.
        let results = SubunitResults.decode(Array(ranks[0].output))
        let streams = results.filter { $0.result.test.hasPrefix("ibbench.mesh.tcp.stream.") }
        #expect(Set(streams.map { String($0.result.test.dropFirst("ibbench.mesh.tcp.stream.".count)) }) == directedLinks(hosts))
        #expect(streams.allSatisfy { $0.route == String($0.result.test.dropFirst("ibbench.mesh.tcp.stream.".count)) })
        #expect(streams.allSatisfy { $0.result.metric("throughput") != nil && $0.result.metric("latency_p50") != nil })
        #expect(results.last?.result.test == "ibbench.mesh.tcp.verdict")
        #expect((results.last?.result.status == .success) == (statuses[0] == 0))

        guard PythonTools.available || PythonTools.required else { return }
        let stream = dir.appendingPathComponent("mesh.subunit")
        try ranks[0].output.write(to: stream)
        let stats = try PythonTools.run("subunit-stats", input: .file(stream))
        #expect(PythonTools.count("Total tests:", in: stats.stdout) == results.count, "\(stats.stdout)")
        let junit = try PythonTools.run("subunit2junitxml", input: .file(stream))
        // junitxml cuts a test id at its last dot (class and name): count the cases instead.
        #expect(junit.stdout.contains("tests=\"\(results.count)\""), "\(junit.stdout.prefix(200))")
    }

    @Test("the tcp options reach every link's tests: the results carry them")
    func tcpOptionsReachEveryLink() throws {
        let dir = try scratchDirectory("options")
        defer { try? FileManager.default.removeItem(at: dir) }
        let hosts = loopbackHosts(2)
        let ranks = try launch(hosts, slot: 8, directory: dir,
                               common: ["-t", "0.3", "--mss", "1000", "--congestion", "reno", "--window", "512K",
                                        "--zerocopy", "-P", "2", "--no-retest"]) { $0 == 0 ? ["--format", "subunit"] : [] }
        let statuses = ranks.map { $0.wait(seconds: 90) }
        #expect([0, 1].contains(statuses[0]), "rank 0: \(ranks[0].stderr)")
        let streams = SubunitResults.decode(Array(ranks[0].output)).filter { $0.result.test.hasPrefix("ibbench.mesh.tcp.stream.") }
        #expect(streams.count == 2)
        for link in streams {
            let p = link.result.parameters
            #expect(p["mss"] == "1000" && p["congestion"] == "reno" && p["window"] == "524288", "\(p)")
            #expect(p["zerocopy"] == "1" && p["streams"] == "2", "\(p)")
        }
    }

    @Test("4 ranks with a token: JSON lines with a run header, 12 results, the verdict last")
    func fourRanksJSON() throws {
        let dir = try scratchDirectory("four")
        defer { try? FileManager.default.removeItem(at: dir) }
        let hosts = loopbackHosts(4)
        let ranks = try launch(hosts, slot: 1, directory: dir, common: ["-t", "0.3", "--token", "mesh-secret", "--no-retest"]) {
            $0 == 0 ? ["--format", "json", "--seed", "42"] : []
        }
        let statuses = ranks.map { $0.wait(seconds: 120) }
        #expect([0, 1].contains(statuses[0]), "rank 0: \(ranks[0].stderr)")
        #expect(Array(statuses.dropFirst()) == [0, 0, 0], "\(ranks.map(\.stderr))")

        let lines = ranks[0].stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(lines.count == ranks[0].stdout.split(separator: "\n").count, "every line is a JSON object")
        let header = try #require(lines.first)
        #expect(header["event"] as? String == "mesh")
        #expect(header["version"] as? String == ibkitVersion)
        #expect(header["hosts"] as? [String] == hosts)
        #expect(header["seed"] as? String == "42")
        let rounds = try #require(header["schedule"] as? [[[String]]])
        #expect(rounds.count == 3 && rounds.allSatisfy { $0.count == 2 })
        let pairs = rounds.flatMap { $0 }.map { Set($0) }
        #expect(Set(pairs).count == 6, "each unordered pair once")
        for round in rounds { #expect(Set(round.flatMap { $0 }).count == 4, "no node twice in a round") }

        let results = lines.filter { $0["event"] as? String == "result" }
        let tests = results.compactMap { $0["test"] as? String }
        #expect(Set(tests) == Set(directedLinks(hosts).map { "ibbench.mesh.tcp.stream.\($0)" }))
        #expect(results.allSatisfy { ($0["status"] as? String) == "success" })
        let verdict = try #require(lines.last)
        #expect(verdict["event"] as? String == "verdict")
        #expect((verdict["summary"] as? [String: Any])?["exit_status"] as? Int == Int(statuses[0]))
    }

    @Test("a rank with the wrong token is refused, and reported missing")
    func wrongToken() throws {
        let dir = try scratchDirectory("token")
        defer { try? FileManager.default.removeItem(at: dir) }
        let hosts = loopbackHosts(3)
        let ranks = try launch(hosts, slot: 5, directory: dir, common: ["-t", "0.3", "--no-retest", "--join-timeout", "3"]) {
            ["--token", $0 == 2 ? "guess" : "mesh-secret"]
        }
        let statuses = ranks.map { $0.wait(seconds: 90) }
        #expect(statuses == [2, 0, 2], "\(ranks.map(\.stderr))")
        #expect(ranks[2].stderr.contains("token rejected"), "\(ranks[2].stderr)")
        #expect(ranks[0].stderr.contains("127.0.0.3 is unreachable: did not join"))
    }
}

import Foundation
import TestProcesses
import Testing

/// Faults injected into a loopback mesh: a rank killed mid-run, a rank too late to join,
/// rank 0 interrupted and resumed. None may hang a rank, and each ends with status 2 and
/// what ran written down.
extension MeshLoopbackTests {
    @Test("a rank killed mid-run: exit 2, the other ranks' links all done, partial results written")
    func killedRank() throws {
        let dir = try scratchDirectory("killed")
        defer { try? FileManager.default.removeItem(at: dir) }
        let hosts = loopbackHosts(4)
        let out = dir.appendingPathComponent("run")
        let ranks = try launch(hosts, slot: 2, directory: dir, common: ["-t", "0.5", "--no-retest"]) {
            $0 == 0 ? ["--out", out.path, "--seed", "3"] : []
        }
        // Every node is in every round of 4, so the victim still has links to run.
        let journalURL = out.appendingPathComponent("results.jsonl")
        #expect(eventually(seconds: 60) { journal(journalURL).count >= 2 }, "rank 0: \(ranks[0].stderr)")
        ranks[3].signal(SIGKILL)
        let statuses = ranks.map { $0.wait(seconds: 120) }
        #expect(statuses[0] == 2, "rank 0: \(ranks[0].stderr)")
        #expect(Array(statuses[1...2]) == [0, 0], "\(ranks.map(\.stderr))")
        #expect(ranks[0].stderr.contains("127.0.0.4 is unreachable"))

        let survivors = Array(hosts.prefix(3))
        let done = journal(journalURL).filter { $0.phase == "mesh" && $0.status == "success" }
        #expect(directedLinks(survivors).isSubset(of: Set(done.map(\.link))), "every link among the survivors ran")
        let report = try summary(out)
        #expect(report.status == "incomplete" && report.exit_status == 2)
        #expect(report.unreachable == ["127.0.0.4"])
        #expect(!report.missing.isEmpty && report.missing.allSatisfy { $0.contains("127.0.0.4") })
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("matrix-bw.csv").path))
    }

    @Test("a rank that starts after the join timeout is reported missing; the others go on")
    func lateRank() throws {
        let dir = try scratchDirectory("late")
        defer { try? FileManager.default.removeItem(at: dir) }
        let hosts = loopbackHosts(3)
        let out = dir.appendingPathComponent("run")
        let ports = meshPorts(slot: 3)
        let common = ["--hosts", hosts.joined(separator: ","), "--port", String(ports.server),
                      "--coordinator-port", String(ports.coordinator), "-t", "0.3", "--join-timeout", "2", "--no-retest"]
        let early = try [0, 1].map { rank in
            try MeshRank(rank: rank, arguments: common + ["--rank", String(rank)] + (rank == 0 ? ["--out", out.path] : []),
                         directory: dir)
        }
        #expect(eventually(seconds: 30) { early[0].stderr.contains("127.0.0.3 is unreachable") }, "rank 0: \(early[0].stderr)")
        let late = try MeshRank(rank: 2, arguments: common + ["--rank", "2"], directory: dir)
        let statuses = early.map { $0.wait(seconds: 90) }
        let lateStatus = late.wait(seconds: 60)
        #expect(statuses == [2, 0], "\(early.map(\.stderr))")
        #expect(lateStatus == 2)
        #expect(late.stderr.contains("the run started without rank 2"), "\(late.stderr)")
        #expect(early[0].stderr.contains("did not join within --join-timeout"))

        let done = journal(out.appendingPathComponent("results.jsonl")).filter { $0.status == "success" }
        #expect(Set(done.map(\.link)) == directedLinks(Array(hosts.prefix(2))))
        let report = try summary(out)
        #expect(report.unreachable == ["127.0.0.3"])
        #expect(Set(report.missing) == directedLinks(hosts).subtracting(directedLinks(Array(hosts.prefix(2)))))
    }

    @Test("SIGTERM to rank 0 writes the partial results; --resume runs only the links left")
    func interruptAndResume() throws {
        let dir = try scratchDirectory("resume")
        defer { try? FileManager.default.removeItem(at: dir) }
        let hosts = loopbackHosts(3)
        let out = dir.appendingPathComponent("run")
        let journalURL = out.appendingPathComponent("results.jsonl")
        let first = try launch(hosts, slot: 4, directory: dir, common: ["-t", "0.5", "--no-retest", "--seed", "5"]) {
            $0 == 0 ? ["--out", out.path] : []
        }
        #expect(eventually(seconds: 60) { journal(journalURL).count >= 2 }, "rank 0: \(first[0].stderr)")
        first[0].signal(SIGTERM)
        let statuses = first.map { $0.wait(seconds: 90) }
        #expect(statuses == [2, 0, 0], "\(first.map(\.stderr))")
        let report = try summary(out)
        #expect(report.status == "incomplete")
        let before = journal(journalURL)
        let kept = Set(before.filter { $0.status == "success" }.map(\.link))
        #expect(kept.count >= 2 && kept.count < 6, "\(kept)")

        let again = dir.appendingPathComponent("again")
        try FileManager.default.createDirectory(at: again, withIntermediateDirectories: true)
        let second = try launch(hosts, slot: 4, directory: again, common: ["-t", "0.3", "--no-retest", "--seed", "5"]) {
            $0 == 0 ? ["--out", out.path, "--resume", journalURL.path, "--format", "json"] : []
        }
        let resumed = second.map { $0.wait(seconds: 90) }
        #expect([0, 1].contains(resumed[0]), "rank 0: \(second[0].stderr)")
        let lines = second[0].stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(lines.first?["resumed"] as? Int == before.count)
        let measuredAgain = Set(lines.filter { $0["event"] as? String == "result" }.compactMap { $0["route"] as? String })
        #expect(measuredAgain == directedLinks(hosts).subtracting(kept), "only the links left")
        let all = Set(journal(journalURL).filter { $0.status == "success" }.map(\.link))
        #expect(all == directedLinks(hosts))
        #expect(try summary(out).missing.isEmpty)

        // A new run into the same --out, without --resume, would start the journal afresh.
        let kept2 = try Data(contentsOf: journalURL)
        let ports = meshPorts(slot: 4)   // the second run's, free again now that it is over
        let fresh = try runProduct("ibbench", ["mesh", "--hosts", hosts.joined(separator: ","), "--rank", "0", "--out", out.path,
                                               "--port", String(ports.server), "--coordinator-port", String(ports.coordinator),
                                               "--join-timeout", "1", "-t", "0.3"], timeout: 30)
        #expect(fresh.status == 2, "\(fresh.stderr)")
        #expect(fresh.stderr == "Error: --out \(out.path): already holds an earlier run's results.jsonl; "
                + "continue that run with --resume \(journalURL.path), or give another --out\n")
        #expect(try Data(contentsOf: journalURL) == kept2, "the earlier run's results are kept")
    }
}

extension MeshLoopbackTests {
    @Test("--deadline ends the run with what it has: exit 2, deadline_passed, no rank left hanging")
    func deadline() throws {
        let dir = try scratchDirectory("deadline")
        defer { try? FileManager.default.removeItem(at: dir) }
        let hosts = loopbackHosts(3)
        let out = dir.appendingPathComponent("run")
        let started = Date()
        let ranks = try launch(hosts, slot: 6, directory: dir, common: ["-t", "1", "--no-retest"]) {
            $0 == 0 ? ["--out", out.path, "--deadline", "3"] : []
        }
        let statuses = ranks.map { $0.wait(seconds: 60) }
        #expect(statuses == [2, 0, 0], "\(ranks.map(\.stderr))")
        // Three rounds of two 1 s tests each take over 6 s; the deadline cut it at 3 s.
        #expect(Date().timeIntervalSince(started) < 20)
        struct Deadline: Decodable { let deadline_passed: Bool; let missing: [String] }
        let report = try JSONDecoder().decode(Deadline.self, from: Data(contentsOf: out.appendingPathComponent("summary.json")))
        #expect(report.deadline_passed)
        #expect(!report.missing.isEmpty)
    }

    @Test("--pairs and --max-concurrent: only the listed pairs, one pair at a time")
    func explicitPairs() throws {
        let dir = try scratchDirectory("pairs")
        defer { try? FileManager.default.removeItem(at: dir) }
        let hosts = loopbackHosts(4)
        let pairsFile = dir.appendingPathComponent("pairs.txt")
        try "# the links to check\n127.0.0.1 127.0.0.2\n127.0.0.3\t127.0.0.4\n\n127.0.0.1 127.0.0.3\n"
            .write(to: pairsFile, atomically: true, encoding: .utf8)
        let ranks = try launch(hosts, slot: 7, directory: dir, common: ["-t", "0.3", "--no-retest"]) {
            $0 == 0 ? ["--pairs", pairsFile.path, "--max-concurrent", "1", "--format", "json"] : []
        }
        let statuses = ranks.map { $0.wait(seconds: 90) }
        #expect([0, 1].contains(statuses[0]), "rank 0: \(ranks[0].stderr)")
        #expect(Array(statuses.dropFirst()) == [0, 0, 0])
        let lines = ranks[0].stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let header = try #require(lines.first)
        #expect(header["seed"] is NSNull)
        #expect(header["schedule"] as? [[[String]]] == [[["127.0.0.1", "127.0.0.2"], ["127.0.0.3", "127.0.0.4"]],
                                                         [["127.0.0.1", "127.0.0.3"]]])
        let routes = lines.filter { $0["event"] as? String == "result" }.compactMap { $0["route"] as? String }
        #expect(Set(routes) == ["127.0.0.1-127.0.0.2", "127.0.0.2-127.0.0.1", "127.0.0.3-127.0.0.4",
                                "127.0.0.4-127.0.0.3", "127.0.0.1-127.0.0.3", "127.0.0.3-127.0.0.1"])
        #expect(routes.count == 6)
        // --max-concurrent 1 cuts the first round in two: three steps in all.
        #expect(ranks[0].stderr.contains("step 3/3"), "\(ranks[0].stderr)")
    }
}

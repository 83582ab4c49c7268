import Foundation
import SysfsFixtures
import TestProcesses
import Testing

/// One command-line vocabulary: an option means, reads and parses the same in every
/// subcommand of a tool, and every command ends the same way.
@Suite struct VocabularyTests {
    static let subcommands = [
        "ibbench": ["serve", "tcp", "udp", "rdma", "compare", "mesh", "report", "import"],
        "ibsetup": ["status", "sm", "up", "down", "stanza", "counters"],
    ]

    /// Options that are meant to differ: stanza's --format names the file format
    /// (ifupdown, netplan, …), not table or JSON.
    static let differentOnPurpose: Set<String> = ["ibsetup stanza --format"]

    /// The options of `tool sub` from ArgumentParser's JSON description: name → (help, value name).
    func options(_ tool: String, _ sub: String) throws -> [String: (help: String, valueName: String?)] {
        let run = try runTool(tool, [sub, "--experimental-dump-help"])
        #expect(run.status == 0)
        let top = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        let command = top?["command"] as? [String: Any]
        var found: [String: (help: String, valueName: String?)] = [:]
        for argument in command?["arguments"] as? [[String: Any]] ?? [] where argument["kind"] as? String != "positional" {
            for name in argument["names"] as? [[String: String]] ?? [] {
                let spelled = (name["kind"] == "long" ? "--" : "-") + (name["name"] ?? "")
                found[spelled] = (argument["abstract"] as? String ?? "", argument["valueName"] as? String)
            }
        }
        return found
    }

    @Test(arguments: ["ibbench", "ibsetup"])
    func everySharedOptionHasOneHelpTextAndValueName(tool: String) throws {
        var seen: [String: [(sub: String, help: String, valueName: String?)]] = [:]
        for sub in Self.subcommands[tool]! {
            for (name, o) in try options(tool, sub) where !Self.differentOnPurpose.contains("\(tool) \(sub) \(name)") {
                seen[name, default: []].append((sub, o.help, o.valueName))
            }
        }
        #expect(seen["--format"]?.count ?? 0 >= 4, "the check sees the shared options")
        for (name, uses) in seen where uses.count > 1 {
            let helps = Set(uses.map(\.help)), valueNames = Set(uses.map { $0.valueName ?? "" })
            #expect(helps.count == 1, "\(tool) \(name): \(uses.map { "\($0.sub): \($0.help)" })")
            #expect(valueNames.count == 1, "\(tool) \(name) value names: \(uses.map { "\($0.sub): \($0.valueName ?? "-")" })")
        }
    }

    @Test func portIsTheServerPortInEverySubcommandThatConnectsOrServes() throws {
        let subs = ["tcp", "udp", "rdma", "compare", "serve"]
        let helps = try subs.map { try options("ibbench", $0)["--port"]?.help }
        #expect(helps.allSatisfy { $0?.contains("ibbench serve") == true }, "\(helps)")
        #expect(try options("ibbench", "rdma")["--ib-port"] != nil, "the HCA port has a name of its own")
        for old in ["--server-port", "--ibbench-port"] {
            for sub in subs { #expect(try options("ibbench", sub)[old] == nil, "\(sub) \(old)") }
        }
        // 70000 is no TCP port; an HCA port would be refused for another reason (1 to 255).
        let rdma = try runTool("ibbench", ["rdma", "10.0.0.2", "--port", "70000"])
        #expect(rdma.status == 64)
        #expect(rdma.stderr.contains("--port") && rdma.stderr.contains("65535"), "\(rdma.stderr)")
        let tcp = try runTool("ibbench", ["tcp", "127.0.0.1", "--port", "1", "-t", "0.2"], timeout: 30)
        #expect(tcp.status == 2)
        #expect(tcp.stderr.contains("127.0.0.1:1"), "\(tcp.stderr)")
        let compare = try runTool("ibbench", ["compare", "127.0.0.1", "--port", "1", "--tools", "ibbench",
                                              "--measurement", "tcp_stream", "--rounds", "1", "-t", "0.2",
                                              "--format", "json"], timeout: 60)
        #expect(compare.stdout.contains("127.0.0.1:1: cannot connect"), "\(compare.stdout)")
    }

    @Test func servePortIsWhereTheClientConnects() throws {
        let port = String(10000 + Int(getpid() % 20000) + 5)
        let server = try ChildProcess(product: "ibbench", ["serve", "--bind", "127.0.0.1", "--port", port, "--once"])
        defer { server.kill(SIGTERM) }
        var run = ToolRun(status: -1, stdout: "", stderr: "")
        // The server needs a moment to listen; a refused connection is retried.
        for _ in 0..<50 {
            run = try runTool("ibbench", ["tcp", "127.0.0.1", "--port", port, "-t", "0.2", "--format", "json"], timeout: 30)
            if !run.stderr.contains("ECONNREFUSED") { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(run.status == 0, "\(run.stderr)")
    }

    static let bogusCases: [(String, [String])] = [
        ("ibbench", ["tcp", "--bogus"]), ("ibbench", ["tcp", "10.0.0.2", "--bogus"]),
        ("ibbench", ["rdma", "--bogus"]), ("ibbench", ["compare", "--bogus"]), ("ibbench", ["serve", "--bogus"]),
        ("ibbench", ["report", "--bogus"]), ("ibbench", ["import", "--bogus"]), ("ibbench", ["mesh", "--bogus"]),
        ("ibsetup", ["status", "--bogus"]), ("ibsetup", ["sm", "--bogus"]), ("ibsetup", ["up", "--bogus"]),
        ("ibsetup", ["down", "--bogus"]), ("ibsetup", ["stanza", "--bogus"]), ("ibsetup", ["counters", "--bogus"]),
    ]

    @Test(arguments: bogusCases)
    func unknownOptionIsNamedBeforeAnythingElse(tool: String, arguments: [String]) throws {
        let run = try runTool(tool, arguments)
        #expect(run.status == 64)
        #expect(run.stderr.hasPrefix("Error: Unknown option '--bogus'"), "\(run.stderr)")
    }

    static let outOfRange = ["0", "-1", "nan", "inf", "1e300", "99999999999999999999"]

    /// Command, option, and the values of `outOfRange` that mean something to it (0 is a
    /// fine --omit or --wait).
    static let rangedOptions: [(String, [String], String, [String])] = [
        ("ibbench", ["tcp", "--loopback"], "-t", outOfRange),
        ("ibbench", ["tcp", "--loopback"], "--interval", outOfRange),
        ("ibbench", ["tcp", "--loopback"], "--omit", outOfRange.filter { $0 != "0" }),
        ("ibbench", ["tcp", "--loopback"], "--timeout", outOfRange),
        ("ibbench", ["tcp", "--loopback"], "--size", outOfRange),
        ("ibbench", ["tcp", "--loopback"], "--request", outOfRange),
        ("ibbench", ["tcp", "--loopback"], "-P", outOfRange),
        ("ibbench", ["tcp", "--loopback"], "--repeat", outOfRange),
        ("ibbench", ["tcp", "--loopback"], "--bytes", outOfRange),
        ("ibbench", ["udp", "--loopback"], "-t", outOfRange),
        ("ibbench", ["udp", "--loopback"], "--size", outOfRange),
        ("ibbench", ["udp", "--loopback", "rr"], "--request", outOfRange),
        ("ibbench", ["udp", "--loopback"], "-P", outOfRange),
        ("ibbench", ["udp", "--loopback"], "-b", outOfRange.filter { $0 != "0" }),
        ("ibbench", ["udp", "--loopback"], "--window", outOfRange),
        ("ibbench", ["udp", "--loopback"], "--expect-max-loss", ["-1", "nan", "inf", "1e300", "101"]),
        ("ibbench", ["rdma", "10.0.0.2"], "-t", outOfRange),
        ("ibbench", ["rdma", "10.0.0.2"], "--size", outOfRange),
        ("ibbench", ["rdma", "10.0.0.2"], "--iters", outOfRange),
        ("ibbench", ["rdma", "10.0.0.2"], "--qps", outOfRange),
        ("ibbench", ["rdma", "10.0.0.2"], "--timeout", outOfRange),
        ("ibbench", ["compare", "10.0.0.2"], "-t", outOfRange),
        ("ibbench", ["compare", "10.0.0.2"], "--rounds", outOfRange),
        ("ibbench", ["serve"], "--max-clients", outOfRange),
        ("ibbench", ["serve"], "--port", outOfRange),
        ("ibbench", ["report"], "--idle-timeout", outOfRange),
        ("ibbench", ["mesh", "--hosts", "a,b", "--rank", "0"], "-t", outOfRange),
        ("ibbench", ["mesh", "--hosts", "a,b", "--rank", "0"], "-P", outOfRange),
        ("ibbench", ["mesh", "rdma", "--hosts", "a,b", "--rank", "0"], "--qps", outOfRange),
        ("ibbench", ["mesh", "--hosts", "a,b", "--rank", "0"], "--join-timeout", outOfRange),
        ("ibbench", ["mesh", "--hosts", "a,b", "--rank", "0"], "--min-ratio", outOfRange),
        ("ibsetup", ["sm"], "--wait", outOfRange.filter { $0 != "0" }),
        ("ibsetup", ["counters"], "--interval", outOfRange),
        ("ibsetup", ["counters", "--interval", "1"], "--count", outOfRange),
    ]

    @Test(arguments: rangedOptions)
    func outOfRangeValuesAreUsageErrorsNamingTheOption(tool: String, command: [String], option: String,
                                                      values: [String]) throws {
        for value in values {
            let run = try runTool(tool, command + [option, value], timeout: 30)
            #expect(run.status == 64, "\(option) \(value): \(run.status) \(run.stderr)")
            #expect(run.stderr.hasPrefix("Error: "), "\(option) \(value): \(run.stderr)")
            let first = run.stderr.split(separator: "\n").first ?? ""
            #expect(first.contains(option), "\(option) \(value): \(run.stderr)")
            if value.hasPrefix("-") {
                // Not "Missing value": ArgumentParser takes "-1" for an option, not a value.
                #expect(first.contains("'\(value)'") && first.contains("cannot be negative"), "\(option) \(value): \(run.stderr)")
            }
        }
    }

    /// An option followed by another option still lacks its value, and says so; the
    /// negative-number wording is for numbers only.
    @Test func anOptionWithoutItsValueIsStillMissingOne() throws {
        let run = try runTool("ibbench", ["tcp", "--loopback", "-t", "--nodelay"], timeout: 30)
        #expect(run.status == 64)
        #expect(run.stderr.hasPrefix("Error: Missing value for '-t <duration>'"), "\(run.stderr)")
        let ibsetup = try runTool("ibsetup", ["up", "ib0", "--mtu", "-5"], timeout: 30)
        #expect(ibsetup.status == 64)
        #expect(ibsetup.stderr.hasPrefix("Error: The value '-5' is invalid for '--mtu <mtu>': it cannot be negative"),
                "\(ibsetup.stderr)")
        #expect(ibsetup.stderr.contains("Usage: ibsetup up"), "\(ibsetup.stderr)")
    }

    @Test func statusFormatJSONIsTheSameAsJSON() throws {
        let root = try FixtureTrees.root("b")
        defer { FixtureTrees.remove(root) }
        let format = try runTool("ibsetup", ["status", "--format", "json", "--sysfs-root", root.string])
        let alias = try runTool("ibsetup", ["status", "--json", "--sysfs-root", root.string])
        let table = try runTool("ibsetup", ["status", "--format", "table", "--sysfs-root", root.string])
        #expect(format.status == 0)
        #expect(format.stdout.hasPrefix("{"))
        #expect(format.stdout == alias.stdout)
        #expect(table.stdout != format.stdout)
        let both = try runTool("ibsetup", ["status", "--format", "table", "--json", "--sysfs-root", root.string])
        #expect(both.status == 64)
    }

    /// Failing commands of both tools, each for a different reason.
    static let failures: [(String, [String], Int32)] = [
        ("ibbench", ["tcp", "127.0.0.1", "--port", "1", "-t", "0.2"], 2),
        ("ibbench", ["rdma", "10.0.0.2", "--token-file", "/nonexistent/token"], 2),
        ("ibbench", ["report", "/nonexistent/run.subunit"], 2),
        ("ibbench", ["import", "netperf", "/nonexistent/netperf.txt"], 2),
        ("ibbench", ["tcp", "--loopback", "--sweep", "8:2"], 64),
        ("ibbench", ["compare", "10.0.0.2", "--tools", "iperf"], 64),   // iperf3 misspelt: it would run nothing
        ("ibbench", ["report", "-", "-"], 64),
        ("ibbench", ["serve", "--token", ""], 64),   // an empty secret is a check anyone passes
        ("ibbench", ["tcp", ""], 64),
        ("ibbench", ["udp", ""], 64),
        ("ibbench", ["tcp", "--loopback", "--congestion", ""], 64),
        ("ibbench", ["mesh", "--hosts", "10.255.255.1,127.0.0.1", "--rank", "0"], 64),   // rank 0's host is not this machine
        ("ibbench", ["mesh", "--hosts", "/nonexistent/hosts.txt", "--rank", "0"], 2),
        ("ibbench", ["no-such-command"], 64),
        ("ibsetup", ["up", "ib0", "--mtu", "65521", "--dry-run"], 64),
        ("ibsetup", ["status", "--sysfs-root", "/nonexistent"], 2),
        ("ibsetup", ["sm", "--sysfs-root", "/etc/passwd"], 2),
        ("ibsetup", ["sm", "--wait", "-5"], 64),
        // The shared names keep their meaning in mesh: -P is TCP streams, --qps RDMA queue pairs.
        ("ibbench", ["mesh", "rdma", "--hosts", "a,b", "--rank", "0", "-P", "2"], 64),
        ("ibbench", ["mesh", "tcp", "--hosts", "a,b", "--rank", "0", "--qps", "2"], 64),
        ("ibbench", ["mesh", "--hosts", "a,b", "--rank", "0", "--format", "csv"], 64),
    ]

    @Test(arguments: failures)
    func errorLinesStartWithError(tool: String, arguments: [String], status: Int32) throws {
        let run = try runTool(tool, arguments, timeout: 30)
        #expect(run.status == status, "\(run.stderr)")
        #expect(run.stderr.hasPrefix("Error: "), "\(run.stderr)")
    }
}

import Foundation
import TestProcesses
import Testing

/// What one run of a built tool printed and how it ended.
typealias ToolRun = ProcessRun

/// Runs a built tool with `arguments` (see `runProcess`). Standard input is /dev/null, or
/// `stdin` and then closed (left open until exit with `closeStdin: false`, for a reader that
/// must give up on a silent producer).
func runTool(_ name: String, _ arguments: [String], environment: [String: String]? = nil,
             stdin: [UInt8]? = nil, closeStdin: Bool = true, timeout: TimeInterval = 60) throws -> ToolRun {
    try runProduct(name, arguments, stdin: stdin.map { .bytes($0, close: closeStdin) } ?? .none,
                   environment: environment, timeout: timeout)
}

@Suite struct HelpTests {
    @Test(arguments: ["ibsetup", "ibbench"])
    func versionPrints(tool: String) throws {
        let run = try runTool(tool, ["--version"])
        #expect(run.status == 0)
        #expect(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
    }

    @Test(arguments: [
        ("ibsetup", ["status", "sm", "up", "down", "stanza", "counters"]),
        ("ibbench", ["serve", "tcp", "udp", "rdma", "compare", "mesh", "report", "import"]),
    ])
    func everySubcommandHasHelpWithExamples(tool: String, subcommands: [String]) throws {
        let root = try runTool(tool, ["--help"])
        #expect(root.status == 0)
        for sub in subcommands {
            #expect(root.stdout.contains("  \(sub)"), "\(tool) --help lists \(sub)")
            let help = try runTool(tool, ["help", sub])
            #expect(help.status == 0)
            #expect(help.stdout.contains("USAGE: \(tool) \(sub)"))
            #expect(help.stdout.contains("\(tool) \(sub)"), "an example invocation")
            #expect(help.stdout.lowercased().contains("example"), "\(tool) \(sub) shows examples")
            // A default shown as a Swift value (`ByteCount(bytes: 1)`) instead of how a user types it.
            let unreadable = help.stdout.firstMatch(of: /default: [A-Za-z]+\(/)
            #expect(unreadable == nil, "\(tool) \(sub): \(unreadable.map { String($0.output) } ?? "")")
        }
    }

    /// ArgumentParser wraps help to the terminal (80 columns when it cannot tell); a line it
    /// had to break, in the discussion or in an example command, reads badly there.
    @Test(arguments: [
        ("ibsetup", ["", "status", "sm", "up", "down", "stanza", "counters"]),
        ("ibbench", ["", "serve", "tcp", "udp", "rdma", "compare", "mesh", "report", "import"]),
    ])
    func helpFitsEightyColumns(tool: String, subcommands: [String]) throws {
        for sub in subcommands {
            let help = try runTool(tool, sub.isEmpty ? ["--help"] : ["help", sub], environment: ["COLUMNS": "80"])
            #expect(help.status == 0)
            let lines = help.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            for line in lines where line.count > 80 {
                Issue.record("\(tool) \(sub): \(line.count) columns: \(line)")
            }
            // An example command that ArgumentParser broke continues at the left margin.
            if let examples = help.stdout.range(of: "Examples:\n") {
                let block = help.stdout[examples.upperBound...].components(separatedBy: "\n\n").first ?? ""
                for line in block.split(separator: "\n") where !line.hasPrefix("  ") {
                    Issue.record("\(tool) \(sub): an example wraps: \(line)")
                }
            }
        }
    }

    @Test(arguments: ["ibsetup", "ibbench"], ["bash", "zsh", "fish"])
    func completionScriptsAreGenerated(tool: String, shell: String) throws {
        let run = try runTool(tool, ["--generate-completion-script", shell])
        #expect(run.status == 0)
        #expect(run.stdout.contains(tool))
        #expect(run.stdout.count > 200)
    }

    /// Tab after an option naming a device offers what this host has (the shell's custom
    /// completion call, as the generated scripts make it).
    @Test func devicesCompleteFromThisHost() throws {
        let netdevs = Set(try FileManager.default.contentsOfDirectory(atPath: "/sys/class/net"))
        for sub in ["tcp", "rdma", "serve", "mesh"] {
            let all = try runTool("ibbench", ["---completion", sub, "--", "--dev", "0", "0", ""])
            #expect(all.status == 0, "\(sub): \(all.stderr)")
            #expect(Set(all.stdout.split(separator: "\n").map(String.init)) == netdevs, "\(sub): \(all.stdout)")
        }
        let l = try runTool("ibbench", ["---completion", "tcp", "--", "--dev", "0", "1", "l"])
        #expect(l.stdout.split(separator: "\n").allSatisfy { $0.hasPrefix("l") } && l.stdout.contains("lo"))
        let devices = Set((try? FileManager.default.contentsOfDirectory(atPath: "/sys/class/infiniband")) ?? [])
        let ib = try runTool("ibbench", ["---completion", "rdma", "--", "--ib-dev", "0", "0", ""])
        #expect(Set(ib.stdout.split(separator: "\n").map(String.init)) == devices)
        let ipoib = try runTool("ibsetup", ["---completion", "up", "--", "positional@0", "0", "0", ""])
        #expect(ipoib.status == 0)
        #expect(ipoib.stdout.split(separator: "\n").allSatisfy { netdevs.contains(String($0)) && !["lo", "eth0"].contains(String($0)) })
    }

    @Test(arguments: ["ibsetup", "ibbench"])
    func unknownSubcommandIsAUsageError(tool: String) throws {
        let run = try runTool(tool, ["no-such-command"])
        #expect(run.status == 64)
        #expect(run.stderr.contains("Error:"))
    }
}

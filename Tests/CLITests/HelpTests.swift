import Foundation
import Testing

/// A built executable of this package: the test binary sits beside them in the
/// products directory (`.build/debug`).
func productPath(_ name: String) -> URL {
    let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    return testBinary.deletingLastPathComponent().appendingPathComponent(name)
}

/// What one run of a built tool printed and how it ended.
struct ToolRun {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a built tool with `arguments` and stdin from /dev/null, killing it
/// after `timeout` seconds so a hang fails the test instead of stalling it.
func runTool(_ name: String, _ arguments: [String], environment: [String: String]? = nil,
             timeout: TimeInterval = 60) throws -> ToolRun {
    let process = Process()
    process.executableURL = productPath(name)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let killer = DispatchWorkItem { if process.isRunning { process.terminate() } }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
    // Read both pipes before waiting, so a chatty tool cannot block on a full pipe.
    let group = DispatchGroup()
    nonisolated(unsafe) var errData = Data()
    DispatchQueue.global().async(group: group) { errData = err.fileHandleForReading.readDataToEndOfFile() }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    killer.cancel()
    return ToolRun(status: process.terminationStatus,
                   stdout: String(decoding: outData, as: UTF8.self),
                   stderr: String(decoding: errData, as: UTF8.self))
}

@Suite struct HelpTests {
    @Test(arguments: ["ibsetup", "ibbench"])
    func versionPrints(tool: String) throws {
        let run = try runTool(tool, ["--version"])
        #expect(run.status == 0)
        #expect(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
    }

    @Test(arguments: [
        ("ibsetup", ["status", "sm", "up", "down", "stanza"]),
        ("ibbench", ["serve", "tcp", "rdma", "compare", "report", "import"]),
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
        }
    }

    @Test(arguments: ["ibsetup", "ibbench"], ["bash", "zsh", "fish"])
    func completionScriptsAreGenerated(tool: String, shell: String) throws {
        let run = try runTool(tool, ["--generate-completion-script", shell])
        #expect(run.status == 0)
        #expect(run.stdout.contains(tool))
        #expect(run.stdout.count > 200)
    }

    @Test(arguments: ["ibsetup", "ibbench"])
    func unknownSubcommandIsAUsageError(tool: String) throws {
        let run = try runTool(tool, ["no-such-command"])
        #expect(run.status == 64)
        #expect(run.stderr.contains("Error:"))
    }
}

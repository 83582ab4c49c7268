import Foundation
import Testing

/// A built executable of this package: the test binary sits beside them in the
/// products directory (`.build/debug`).
func productPath(_ name: String) -> URL {
    let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    return testBinary.deletingLastPathComponent().appendingPathComponent(name)
}

/// What one run of a built tool printed and how it ended. `output` keeps stdout's
/// bytes as written (a subunit stream is binary); `stdout` is the same as text.
struct ToolRun {
    var status: Int32
    var output: [UInt8]
    var stderr: String
    var stdout: String { String(decoding: output, as: UTF8.self) }

    init(status: Int32, output: [UInt8], stderr: String) {
        self.status = status
        self.output = output
        self.stderr = stderr
    }

    init(status: Int32, stdout: String, stderr: String) {
        self.init(status: status, output: Array(stdout.utf8), stderr: stderr)
    }
}

/// A tool that exits before reading all of its stdin must fail its test, not kill the
/// whole test process with SIGPIPE: writes then fail with EPIPE instead.
private let ignoringBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

/// Runs a built tool with `arguments`, killing it after `timeout` seconds so a hang
/// fails the test instead of stalling it. Standard input is /dev/null, or a pipe
/// fed with `stdin` and then closed (left open until exit with `closeStdin: false`,
/// for a reader that must give up on a silent producer).
func runTool(_ name: String, _ arguments: [String], environment: [String: String]? = nil,
             stdin: [UInt8]? = nil, closeStdin: Bool = true, timeout: TimeInterval = 60) throws -> ToolRun {
    _ = ignoringBrokenPipes
    let process = Process()
    process.executableURL = productPath(name)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let input = Pipe(), out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = stdin == nil ? FileHandle.nullDevice : input
    // Input that fits in the pipe goes in before the tool starts: a tool timing how long its
    // input stays silent (report --idle-timeout) must not see a busy machine's delay in
    // starting the writer as silence.
    let preloaded = (stdin?.count ?? Int.max) <= 32 * 1024
    if preloaded, let stdin {
        try input.fileHandleForWriting.write(contentsOf: Data(stdin))
        if closeStdin { try input.fileHandleForWriting.close() }
    }
    try process.run()
    let killer = DispatchWorkItem { if process.isRunning { process.terminate() } }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
    // Feed stdin and read both pipes before waiting, so a chatty tool cannot block on a full pipe.
    let group = DispatchGroup()
    if let stdin, !preloaded {
        DispatchQueue.global().async(group: group) {
            try? input.fileHandleForWriting.write(contentsOf: Data(stdin))
            if closeStdin { try? input.fileHandleForWriting.close() }
        }
    }
    nonisolated(unsafe) var errData = Data()
    DispatchQueue.global().async(group: group) { errData = err.fileHandleForReading.readDataToEndOfFile() }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    killer.cancel()
    if stdin != nil && !closeStdin { try? input.fileHandleForWriting.close() }
    return ToolRun(status: process.terminationStatus, output: [UInt8](outData),
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
            // A default shown as a Swift value (`ByteCount(bytes: 1)`) instead of how a user types it.
            let unreadable = help.stdout.firstMatch(of: /default: [A-Za-z]+\(/)
            #expect(unreadable == nil, "\(tool) \(sub): \(unreadable.map { String($0.output) } ?? "")")
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

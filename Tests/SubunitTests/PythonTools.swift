import Foundation
import TestProcesses
import Testing

/// The python subunit tools (python-subunit, junitxml, stestr), found on PATH
/// or in the project's `.venv/bin` (made by `scripts/install-deps`).
enum PythonTools {
    static let projectRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func find(_ tool: String) -> URL? {
        var dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        dirs.append(projectRoot.appendingPathComponent(".venv/bin").path)
        for d in dirs {
            let u = URL(fileURLWithPath: d).appendingPathComponent(tool)
            if FileManager.default.isExecutableFile(atPath: u.path) { return u }
        }
        return nil
    }

    static var available: Bool {
        ["subunit2junitxml", "subunit-stats", "stestr"].allSatisfy { find($0) != nil }
            && python != nil
    }

    /// The python that has the subunit module: the one beside the tools.
    static var python: URL? {
        guard let stats = find("subunit-stats") else { return nil }
        let py = stats.deletingLastPathComponent().appendingPathComponent("python3")
        return FileManager.default.isExecutableFile(atPath: py.path) ? py : nil
    }

    /// In CI the tools must be there: the tests run and fail without them.
    static var required: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    static let reason: Comment = "needs python-subunit, junitxml and stestr (scripts/install-deps puts them in .venv)"

    struct Output {
        var status: Int32
        var stdout: Data
        var stderr: String
        var text: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// Runs a tool with `input` on stdin, in `directory`; gives up after `timeout`.
    static func run(_ tool: URL, _ args: [String], input: [UInt8] = [], directory: URL? = nil,
                    timeout: TimeInterval = 120) throws -> Output {
        let r = try runProcess(tool, args, stdin: .bytes(input), directory: directory, timeout: timeout)
        if r.timedOut { throw ToolTimeout(tool: tool.lastPathComponent) }
        return Output(status: r.status, stdout: Data(r.output), stderr: r.stderr)
    }

    struct ToolTimeout: Error, CustomStringConvertible {
        let tool: String
        var description: String { "\(tool): no answer within the time limit" }
    }
}

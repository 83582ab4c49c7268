import Foundation

/// python-subunit's, junitxml's and stestr's command-line tools, from the project's
/// `.venv/bin` (made by `scripts/install-deps`) or else from PATH.
public enum PythonTools {
    /// Where Package.swift is: three levels above this file (Tests/TestProcesses/).
    public static let projectRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static func find(_ tool: String) -> URL? {
        var dirs = [projectRoot.appendingPathComponent(".venv/bin").path]
        dirs += (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        return dirs.map { URL(fileURLWithPath: $0).appendingPathComponent(tool) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// All three tools, and the python beside them.
    public static var available: Bool {
        ["subunit2junitxml", "subunit-stats", "stestr"].allSatisfy { find($0) != nil } && python != nil
    }

    /// The python that has the subunit module: the one beside the tools.
    public static var python: URL? {
        guard let stats = find("subunit-stats") else { return nil }
        let py = stats.deletingLastPathComponent().appendingPathComponent("python3")
        return FileManager.default.isExecutableFile(atPath: py.path) ? py : nil
    }

    /// In CI the tools must be there: the tests run and fail without them.
    public static var required: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    public static let reason = "needs python-subunit, junitxml and stestr (scripts/install-deps puts them in .venv)"

    /// The tool called `name`, or an error naming it (for `try` in a test).
    public static func require(_ name: String) throws -> URL {
        guard let url = find(name) else { throw ToolMissing(tool: name) }
        return url
    }

    /// Runs `tool` with `input` on stdin, in `directory`; throws when it outlives `timeout`.
    public static func run(_ tool: URL, _ arguments: [String] = [], input: ProcessInput = .bytes([]),
                           directory: URL? = nil, timeout: TimeInterval = 120) throws -> ProcessRun {
        let r = try runProcess(tool, arguments, stdin: input, directory: directory, timeout: timeout)
        if r.timedOut { throw ToolTimeout(tool: tool.lastPathComponent) }
        return r
    }

    /// `run` for a tool found by name.
    public static func run(_ name: String, _ arguments: [String] = [], input: ProcessInput = .bytes([]),
                           directory: URL? = nil, timeout: TimeInterval = 120) throws -> ProcessRun {
        try run(try require(name), arguments, input: input, directory: directory, timeout: timeout)
    }

    /// The number after `label` in subunit-stats output (`Total tests:       3`).
    public static func count(_ label: String, in stats: String) -> Int? {
        stats.split(separator: "\n").first { $0.hasPrefix(label) }
            .flatMap { Int($0.dropFirst(label.count).trimmingCharacters(in: .whitespaces)) }
    }

    public struct ToolMissing: Error, CustomStringConvertible {
        public let tool: String
        public var description: String { "\(tool) not found: \(PythonTools.reason)" }
    }

    public struct ToolTimeout: Error, CustomStringConvertible {
        public let tool: String
        public var description: String { "\(tool): no answer within the time limit" }
    }
}

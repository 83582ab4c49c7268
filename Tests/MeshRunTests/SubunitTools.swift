import Foundation
import Testing

/// python-subunit's tools, from the project's `.venv/bin` (scripts/install-deps) or PATH.
enum SubunitTools {
    static let projectRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func find(_ tool: String) -> URL? {
        var dirs = [projectRoot.appendingPathComponent(".venv/bin").path]
        dirs += (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        return dirs.map { URL(fileURLWithPath: $0).appendingPathComponent(tool) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    static var available: Bool { find("subunit-stats") != nil && find("subunit2junitxml") != nil }

    /// In CI the tools must be there: the test runs and fails without them.
    static var required: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// Runs `tool` with the file `input` on stdin; its exit status and stdout. Killed after 60 s.
    static func run(_ tool: String, input: URL) throws -> (status: Int32, stdout: String) {
        guard let path = find(tool) else { throw ToolMissing(tool: tool) }
        let output = input.appendingPathExtension("\(tool).out")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        let p = Process()
        p.executableURL = path
        p.standardInput = try FileHandle(forReadingFrom: input)
        p.standardOutput = try FileHandle(forWritingTo: output)
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(60)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        if p.isRunning { p.terminate() }
        p.waitUntilExit()
        return (p.terminationStatus, (try? String(contentsOf: output, encoding: .utf8)) ?? "")
    }

    struct ToolMissing: Error { let tool: String }

    /// The number after `label` in subunit-stats output (`Total tests:       3`).
    static func count(_ label: String, in stats: String) -> Int? {
        stats.split(separator: "\n").first { $0.hasPrefix(label) }
            .flatMap { Int($0.dropFirst(label.count).trimmingCharacters(in: .whitespaces)) }
    }
}

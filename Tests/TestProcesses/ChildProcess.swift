import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A program started for the length of a test (a server, a peer to kill mid-run), with its
/// output thrown away or kept in files. Killed and reaped when the value goes, so a failing
/// test leaves no process behind.
public final class ChildProcess: @unchecked Sendable {
    private let process = Process()

    /// - Parameters:
    ///   - stdout, stderr: files that receive the output (made or emptied); nil throws it away.
    public init(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil,
                stdout: URL? = nil, stderr: URL? = nil) throws {
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try Self.sink(stdout)
        process.standardError = try Self.sink(stderr)
        try process.run()
    }

    private static func sink(_ file: URL?) throws -> FileHandle {
        guard let file else { return FileHandle.nullDevice }
        FileManager.default.createFile(atPath: file.path, contents: nil)
        return try FileHandle(forWritingTo: file)
    }

    /// A built executable of this package (`ibbench serve ...`).
    public convenience init(product name: String, _ arguments: [String]) throws {
        try self.init(productPath(name), arguments)
    }

    deinit { kill() }

    public var pid: pid_t { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }

    /// Sends `signal` (SIGKILL unless told otherwise) and waits for the end.
    public func kill(_ signal: Int32 = SIGKILL) {
        guard process.isRunning else { return }
        Glibc.kill(process.processIdentifier, signal)
        process.waitUntilExit()
    }

    /// The exit status once the program ended, nil if it still runs after `seconds`.
    public func wait(seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning { return nil }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// True when a signal ended the program (then `wait` returns the signal's number).
    public var endedBySignal: Bool { !process.isRunning && process.terminationReason == .uncaughtSignal }
}

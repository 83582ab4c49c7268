import Foundation

/// One finished (or stopped) run of an external program.
public struct ToolRun: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    /// The deadline passed and the program was stopped (SIGTERM, then SIGKILL).
    public var timedOut: Bool
}

/// Runs programs with a deadline, capturing stdout and stderr; stdin is /dev/null.
enum ToolProcess {
    /// - Parameter timeout: seconds until the program is sent SIGTERM; SIGKILL follows 2 s later.
    static func run(_ tool: PeerTool, _ executable: String, _ arguments: [String],
                    timeout: Double) throws(PeerToolError) -> ToolRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        do {
            try process.run()
        } catch {
            throw PeerToolError(tool, .notRun("cannot start \(executable) (\(error.localizedDescription)); check that it is executable"))
        }
        // Drain both pipes while the program runs, so a chatty program cannot block on a full pipe.
        let readers = DispatchGroup()
        nonisolated(unsafe) var outData = Data(), errData = Data()
        DispatchQueue.global().async(group: readers) { outData = out.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: readers) { errData = err.fileHandleForReading.readDataToEndOfFile() }
        var timedOut = false
        if exited.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            process.terminate()
            if exited.wait(timeout: .now() + 2) == .timedOut {
                kill(process.processIdentifier, SIGKILL)
                exited.wait()
            }
        }
        // A grandchild holding the pipes open must not hang us either.
        _ = readers.wait(timeout: .now() + 2)
        return ToolRun(status: process.terminationStatus,
                       stdout: String(decoding: outData, as: UTF8.self),
                       stderr: String(decoding: errData, as: UTF8.self),
                       timedOut: timedOut)
    }

    /// The first executable called `name` in the PATH directories, or nil.
    static func locate(_ name: String, path: String? = ProcessInfo.processInfo.environment["PATH"]) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        for dir in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/\(name)"
            var st = stat()
            if stat(candidate, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, access(candidate, X_OK) == 0 {
                return candidate
            }
        }
        return nil
    }
}

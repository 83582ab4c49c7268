import Foundation

/// A program that exits before reading all of its stdin must fail its test, not kill the
/// whole test process with SIGPIPE: writes then fail with EPIPE instead.
private let ignoringBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

/// Runs `executable` to its end and returns what it printed. Standard output and error go to
/// files, not pipes: a chatty program cannot block on a full pipe, and a grandchild that keeps
/// a descriptor open cannot hold the test past the program's exit. Killed (SIGKILL) after
/// `timeout` seconds, so a hang fails the test instead of stalling it; `timedOut` says so.
/// `mergingErrors`: standard error goes into `output` too, interleaved as written.
public func runProcess(_ executable: URL, _ arguments: [String], stdin: ProcessInput = .none,
                       environment: [String: String]? = nil, directory: URL? = nil,
                       mergingErrors: Bool = false, timeout: TimeInterval = 60) throws -> ProcessRun {
    _ = ignoringBrokenPipes
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ibkit-run-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let outURL = scratch.appendingPathComponent("stdout"), errURL = scratch.appendingPathComponent("stderr")
    FileManager.default.createFile(atPath: outURL.path, contents: nil)
    FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)

    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let environment { process.environment = environment }
    if let directory { process.currentDirectoryURL = directory }
    process.standardOutput = out
    process.standardError = mergingErrors ? out : err
    var input: Pipe?
    switch stdin {
    case .none: process.standardInput = FileHandle.nullDevice
    case .file(let url): process.standardInput = try FileHandle(forReadingFrom: url)
    case .bytes:
        input = Pipe()
        process.standardInput = input
    }
    // Input that fits in the pipe goes in before the program starts: a program timing how
    // long its input stays silent (report --idle-timeout) must not see a busy machine's delay
    // in starting a writer thread as silence.
    var preloaded = false
    if case .bytes(let bytes, let close) = stdin, bytes.count <= 32 * 1024, let writer = input?.fileHandleForWriting {
        try writer.write(contentsOf: Data(bytes))
        if close { try writer.close() }
        preloaded = true
    }
    let exited = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in exited.signal() }
    try process.run()
    if !preloaded, case .bytes(let bytes, let close) = stdin, let writer = input?.fileHandleForWriting {
        // On another thread: the program may read slowly, or not at all.
        Thread {
            try? writer.write(contentsOf: Data(bytes))
            if close { try? writer.close() }
        }.start()
    }
    var timedOut = false
    if exited.wait(timeout: .now() + timeout) == .timedOut {
        timedOut = true
        kill(process.processIdentifier, SIGKILL)
        exited.wait()
    }
    if case .bytes(_, close: false) = stdin { try? input?.fileHandleForWriting.close() }
    try out.close()
    try err.close()
    return ProcessRun(status: process.terminationStatus, output: [UInt8](try Data(contentsOf: outURL)),
                      errorOutput: [UInt8](try Data(contentsOf: errURL)), timedOut: timedOut)
}

/// A built executable of this package: the test binary sits beside them in the products
/// directory (`.build/debug`).
public func productPath(_ name: String) -> URL {
    let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    return testBinary.deletingLastPathComponent().appendingPathComponent(name)
}

/// Runs a built executable of this package (see `runProcess`).
public func runProduct(_ name: String, _ arguments: [String], stdin: ProcessInput = .none,
                       environment: [String: String]? = nil, timeout: TimeInterval = 60) throws -> ProcessRun {
    try runProcess(productPath(name), arguments, stdin: stdin, environment: environment, timeout: timeout)
}

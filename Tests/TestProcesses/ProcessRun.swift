import Foundation

/// What one run of a program printed and how it ended. `output` keeps stdout's bytes as
/// written (a subunit stream is binary); `stdout` and `stderr` are the same as text.
public struct ProcessRun: Sendable {
    /// The exit status; the signal number when a signal ended it (see `timedOut`).
    public var status: Int32
    public var output: [UInt8]
    public var errorOutput: [UInt8]
    /// True when the program ran past its time limit and was killed.
    public var timedOut = false

    public var stdout: String { String(decoding: output, as: UTF8.self) }
    public var stderr: String { String(decoding: errorOutput, as: UTF8.self) }

    public init(status: Int32, output: [UInt8], errorOutput: [UInt8], timedOut: Bool = false) {
        self.status = status
        self.output = output
        self.errorOutput = errorOutput
        self.timedOut = timedOut
    }

    public init(status: Int32, stdout: String, stderr: String) {
        self.init(status: status, output: Array(stdout.utf8), errorOutput: Array(stderr.utf8))
    }
}

/// Where a program's standard input comes from.
public enum ProcessInput: Sendable {
    /// /dev/null.
    case none
    /// A pipe fed with these bytes and then closed (`close: false` leaves it open until the
    /// program exits, for a reader that must give up on a silent producer).
    case bytes([UInt8], close: Bool = true)
    /// A file.
    case file(URL)
}

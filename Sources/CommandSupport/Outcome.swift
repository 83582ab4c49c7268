/// How a command ended: its exit status and, unless it passed, maybe the one line
/// that says why. `run()` ends with `try outcome.end()`; the shared `main` prints the
/// line after `Error: ` on stderr and exits with the status.
public struct Outcome: Error, Sendable, Equatable, CustomStringConvertible {
    public let status: ExitStatus
    /// One line, `<subject>: <what failed>; <next step>`, without the `Error: ` prefix.
    public let message: String?

    public init(_ status: ExitStatus, message: String? = nil) {
        self.status = status
        self.message = message
    }

    public static let passed = Outcome(.passed)
    /// The check said no; what failed is already in the results.
    public static let failed = Outcome(.failed)

    public static func failed(_ message: String) -> Outcome { Outcome(.failed, message: message) }
    public static func error(_ message: String) -> Outcome { Outcome(.error, message: message) }
    public static func usage(_ message: String) -> Outcome { Outcome(.usage, message: message) }

    public var description: String { message ?? "exit status \(status.rawValue)" }

    /// Returns when the command passed; throws itself otherwise.
    public func end() throws(Outcome) {
        if status != .passed { throw self }
    }
}

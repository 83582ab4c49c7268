import BenchCore
import SystemPackage
import SystemCalls

/// A failure of an RDMA run, printed as one line: `<subject>: <what failed>[ (<errno>)]; <next step>`.
public struct RDMAError: Error, CustomStringConvertible, Sendable {
    public enum Code: Sendable, Equatable {
        case noDevice, deviceMismatch, portDown
        case addressResolution, routeResolution, rejected, notServing
        case connection, verbs, peerLost, dataMismatch, badArgument
    }

    public let code: Code
    /// What failed: a device, `PEER:PORT`, or a verbs call.
    public let subject: String
    public let what: String
    public let underlying: Errno?
    public let next: String

    public init(_ code: Code, _ subject: String, _ what: String, errno: Errno? = nil, next: String) {
        self.code = code
        self.subject = subject
        self.what = what
        self.underlying = errno
        self.next = next
    }

    public var description: String {
        var line = "\(subject): \(what)"
        if let underlying { line += " (\(underlying.symbol))" }
        return line + "; " + next
    }
}

import SystemPackage

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
        if let underlying { line += " (\(errnoName(underlying)))" }
        return line + "; " + next
    }
}

/// The symbolic name of an errno (`ETIMEDOUT`), falling back to its number.
func errnoName(_ e: Errno) -> String {
    switch e {
    case .timedOut: "ETIMEDOUT"
    case .connectionRefused: "ECONNREFUSED"
    case .connectionReset: "ECONNRESET"
    case .invalidArgument: "EINVAL"
    case .noSuchFileOrDirectory: "ENOENT"
    case .noMemory: "ENOMEM"
    case .permissionDenied: "EACCES"
    case .notPermitted: "EPERM"
    case .addressNotAvailable: "EADDRNOTAVAIL"
    case .addressInUse: "EADDRINUSE"
    case .networkUnreachable: "ENETUNREACH"
    case .noRouteToHost: "EHOSTUNREACH"
    case .resourceTemporarilyUnavailable: "EAGAIN"
    case .ioError: "EIO"
    default: "errno \(e.rawValue)"
    }
}

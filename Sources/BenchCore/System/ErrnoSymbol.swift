import SystemPackage

extension Errno {
    /// The C name (`ECONNREFUSED`) for one-line error messages; `errno N` for names not listed.
    public var symbol: String {
        switch self {
        case .connectionRefused: "ECONNREFUSED"
        case .connectionReset: "ECONNRESET"
        case .brokenPipe: "EPIPE"
        case .timedOut: "ETIMEDOUT"
        case .noRouteToHost: "EHOSTUNREACH"
        case .networkUnreachable: "ENETUNREACH"
        case .addressInUse: "EADDRINUSE"
        case .addressNotAvailable: "EADDRNOTAVAIL"
        case .permissionDenied: "EACCES"
        case .notPermitted: "EPERM"
        case .noSuchFileOrDirectory: "ENOENT"
        case .operationNotSupportedByDevice: "ENODEV"
        case .invalidArgument: "EINVAL"
        case .resourceTemporarilyUnavailable: "EAGAIN"
        case .tooManyOpenFiles: "EMFILE"
        case .protocolNotAvailable: "ENOPROTOOPT"
        case .noMemory: "ENOMEM"
        case .ioError: "EIO"
        default: "errno \(rawValue)"
        }
    }
}

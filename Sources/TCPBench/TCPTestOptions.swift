import BenchCore

/// Everything `ibbench tcp` can be told about one test.
public struct TCPTestOptions: Sendable, Equatable {
    /// Write size of stream tests when none is given, chosen by a sweep on loopback with the
    /// receiver's 1 MiB low-water mark: 256 KiB 32, 512 KiB 42–43, 1 MiB 51–53, 2 MiB 52–55
    /// Gbit/s. Past 1 MiB the gain is within the noise and the buffer outgrows a core's L2.
    /// veth at MTU 65520 (IPoIB connected mode) agrees: 256 KiB 32–39, 512 KiB 46, 1 MiB 53–55.
    /// At MTU 1500 it does not (1 MiB 15–20, 256 KiB 27–31, 512 KiB 31–39); IPoIB connected
    /// mode is what ibsetup sets up, so it decides, and the README says to use a smaller
    /// --size (256K or 512K) on a 1500-byte path.
    public static let defaultSize = 1 << 20

    public var peer: String
    public var port: UInt16 = ServerOptions.defaultPort
    public var mode: TCPMode = .stream
    public var streams = 1
    public var duration: Double = 10
    public var bytes: UInt64?
    public var size = TCPTestOptions.defaultSize
    public var request = 1
    public var response = 1
    public var window: Int?
    /// nil: on for rr/crr (Nagle can only delay a lone request), off for bulk.
    public var noDelay: Bool?
    public var mss: Int?
    public var congestion: String?
    /// Send with sendfile(2) from an unlinked page-cache file instead of send(2) from a buffer.
    public var zeroCopy = false
    /// rr: both ends wait for the next message without sleeping (a busy core each, no wake-ups).
    public var busyPoll = false
    public var clientCPU: Int?
    public var serverCPU: Int?
    public var interval: Double?
    public var omit: Double = 0
    /// Seconds either end waits for a silent peer past the test's duration (a stopped or
    /// unreachable peer) before the run ends as lost, partial results kept.
    public var timeout: Double = 10
    public var device: String?
    public var bind: String?
    public var token: String?

    public init(peer: String) { self.peer = peer }

    var socketOptions: SocketOptions {
        SocketOptions(window: window, noDelay: noDelay ?? (mode == .rr || mode == .crr), mss: mss,
                      congestion: congestion, device: device, bindAddress: bind)
    }

    /// The longest either end lets the test run: its duration and warm-up, then `timeout`.
    var timeLimit: Double { (bytes == nil || mode == .rr || mode == .crr ? duration + omit : 3600) + timeout }

    func plan(size: Int, request: Int, response: Int) -> TestPlan {
        var opts = socketOptions.planOptions
        if zeroCopy { opts["zerocopy"] = "1" }
        if busyPoll { opts["busypoll"] = "1" }
        return TestPlan(kind: mode.kind, streams: streams, duration: duration,
                        bytes: mode == .rr || mode == .crr ? nil : bytes, size: size,
                        request: request, response: response, omit: omit, timeLimit: timeLimit,
                        serverCPU: serverCPU, options: opts)
    }
}

/// What the client asks the server to run: one test of one kind, with the parameters both
/// ends need. Sent as the `setup` message (JSON); transport-specific settings travel in `options`.
public struct TestPlan: Codable, Sendable, Equatable {
    /// Registered test kind, `<transport>.<mode>`: `tcp.stream`, `tcp.rr`, `rdma.write`, …
    public var kind: String
    /// Parallel data connections (one thread each on both ends).
    public var streams: Int
    /// Seconds the sender sends (ignored when `bytes` is set).
    public var duration: Double
    /// Bytes each sender sends instead of a duration.
    public var bytes: UInt64?
    /// Write size for stream tests.
    public var size: Int
    /// Request and response sizes for rr/crr.
    public var request: Int
    public var response: Int
    /// Warm-up seconds excluded from the results.
    public var omit: Double
    /// The longest the server lets this test run before it stops it, seconds (grace included).
    public var timeLimit: Double
    /// CPU the server pins its data threads to.
    public var serverCPU: Int?
    /// Transport settings: `window`, `nodelay`, `mss`, `congestion`, `zerocopy`, …
    public var options: [String: String]

    public init(kind: String, streams: Int = 1, duration: Double = 10, bytes: UInt64? = nil,
                size: Int = 128 * 1024, request: Int = 1, response: Int = 1, omit: Double = 0,
                timeLimit: Double = 60, serverCPU: Int? = nil, options: [String: String] = [:]) {
        self.kind = kind
        self.streams = streams
        self.duration = duration
        self.bytes = bytes
        self.size = size
        self.request = request
        self.response = response
        self.omit = omit
        self.timeLimit = timeLimit
        self.serverCPU = serverCPU
        self.options = options
    }

    /// Bounds a server enforces before running anything a client asks for.
    public func validationProblem(maxStreams: Int = 128) -> String? {
        if streams < 1 || streams > maxStreams { return "streams \(streams) outside 1…\(maxStreams)" }
        if !(duration >= 0 && duration <= 86_400) { return "duration \(duration) s outside 0…86400" }
        // RDMA messages are one registered slot each and may be far larger than a TCP write.
        let maxMessage = kind.hasPrefix("rdma.") ? 1 << 30 : 64 << 20
        if size < 1 || size > maxMessage { return "size \(size) outside 1…\(maxMessage) bytes" }
        if request < 1 || request > maxMessage || response < 1 || response > maxMessage {
            return "request/response size outside 1…\(maxMessage) bytes"
        }
        if !(omit >= 0 && omit <= 3600) { return "omit \(omit) s outside 0…3600" }
        if !(timeLimit > 0 && timeLimit <= 90_000) { return "time limit \(timeLimit) s outside 0…90000" }
        return nil
    }
}

import BenchCore

/// The RDMA operation a test measures.
public enum RDMAVerb: String, Sendable, CaseIterable {
    case write, read, send

    var code: UInt8 { switch self { case .write: 1; case .read: 2; case .send: 3 } }
    init?(code: UInt8) {
        switch code { case 1: self = .write; case 2: self = .read; case 3: self = .send; default: return nil }
    }
}

/// Bandwidth (many messages in flight) or latency (one at a time, ping-pong for write and send).
public enum RDMAMode: String, Sendable, CaseIterable {
    case bw, lat

    var code: UInt8 { self == .bw ? 1 : 2 }
    init?(code: UInt8) {
        switch code { case 1: self = .bw; case 2: self = .lat; default: return nil }
    }
}

/// How completions are waited for: spinning on `ibv_poll_cq`, or sleeping on the completion channel.
public enum PollMode: String, Sendable, CaseIterable {
    case busy, events
}

/// Everything one `ibbench rdma` run needs, checked by `validated()` before any resource is made.
public struct RDMAOptions: Sendable, Equatable {
    public var peer: String
    public var port: UInt16
    public var verb: RDMAVerb
    public var mode: RDMAMode
    /// Message sizes in bytes: one, or every power of two of a sweep.
    public var sizes: [Int]
    /// Run each size for this many seconds, or (when nil) for `iterations` messages.
    public var duration: Double?
    public var iterations: Int
    public var qps: Int
    public var txDepth: Int
    /// Largest message sent inline (copied into the WQE); nil picks perftest's default (lat 236, bw 0).
    public var inline: Int?
    public var cqModeration: Int
    public var postList: Int
    public var poll: PollMode
    public var validate: Bool
    public var device: String?
    public var devicePort: Int?
    /// The network interface the connection must leave through (SO_BINDTODEVICE's sense of `--dev`).
    public var interface: String?
    /// The local address to connect from (`--bind`).
    public var bind: String?
    public var hugePages: Bool
    /// Seconds allowed for address/route resolution and connection setup; also how long a silent
    /// peer is waited for mid-run.
    public var timeout: Double
    /// Shared secret of a server started with `--token`: the connect requests are signed with it.
    public var token: String?

    public init(peer: String, port: UInt16 = ServerOptions.defaultPort, verb: RDMAVerb = .write,
                mode: RDMAMode = .bw, sizes: [Int] = [65536], duration: Double? = nil,
                iterations: Int = 1000, qps: Int = 1, txDepth: Int = 128, inline: Int? = nil,
                cqModeration: Int = 1, postList: Int = 1, poll: PollMode = .busy, validate: Bool = false,
                device: String? = nil, devicePort: Int? = nil, interface: String? = nil, bind: String? = nil,
                hugePages: Bool = false, timeout: Double = 5, token: String? = nil) {
        self.peer = peer; self.port = port; self.verb = verb; self.mode = mode; self.sizes = sizes
        self.duration = duration; self.iterations = iterations; self.qps = qps; self.txDepth = txDepth
        self.inline = inline; self.cqModeration = cqModeration; self.postList = postList; self.poll = poll
        self.validate = validate; self.device = device; self.devicePort = devicePort
        self.interface = interface; self.bind = bind
        self.hugePages = hugePages; self.timeout = timeout; self.token = token
    }

    /// The sizes of `--sweep MIN:MAX`: every power of two from MIN to MAX (MIN rounded up to one).
    public static func sweep(from min: Int, to max: Int) -> [Int] {
        var sizes: [Int] = []
        var s = 1
        while s < min { s <<= 1 }
        while s <= max { sizes.append(s); s <<= 1 }
        return sizes
    }

    /// The largest message an RDMA run accepts (one slot of the registered buffer).
    public static let maxSize = 1 << 30

    /// The inline threshold in effect.
    var inlineSize: Int { inline ?? (mode == .lat ? 236 : 0) }

    /// Checks rules across options; the error names the option and what to do.
    public func validated() throws(RDMAError) -> RDMAOptions {
        func bad(_ option: String, _ what: String, _ next: String) -> RDMAError {
            RDMAError(.badArgument, option, what, next: next)
        }
        if sizes.isEmpty { throw bad("--sweep", "no power of two between MIN and MAX", "give MIN <= MAX, e.g. --sweep 2:1M") }
        if let s = sizes.first(where: { $0 < 1 || $0 > Self.maxSize }) {
            throw bad("--size", "\(s) bytes is out of range", "give 1 byte to 1 GiB")
        }
        if let d = duration, !(d > 0 && d <= 86_400) { throw bad("-t", "\(d) seconds is out of range", "give 0 < SECONDS <= 86400") }
        if iterations < 1 { throw bad("--iters", "must be at least 1", "give --iters 1000 or use -t SECONDS") }
        if !(1...64).contains(qps) { throw bad("--qps", "\(qps) is out of range", "give 1 to 64 queue pairs") }
        if mode == .lat && qps != 1 { throw bad("--qps", "latency tests run one queue pair", "drop --qps for lat") }
        if !(1...8192).contains(txDepth) { throw bad("--tx-depth", "\(txDepth) is out of range", "give 1 to 8192") }
        if cqModeration < 1 || cqModeration > txDepth {
            throw bad("--cq-mod", "\(cqModeration) must be between 1 and --tx-depth (\(txDepth))", "lower --cq-mod or raise --tx-depth")
        }
        if postList < 1 || postList > txDepth {
            throw bad("--post-list", "\(postList) must be between 1 and --tx-depth (\(txDepth))", "lower --post-list or raise --tx-depth")
        }
        if let i = inline, !(0...4096).contains(i) { throw bad("--inline", "\(i) bytes is out of range", "give 0 to 4096") }
        if verb == .read && inlineSize > 0 && inline != nil {
            throw bad("--inline", "RDMA reads carry no inline data", "drop --inline for read tests")
        }
        if !(timeout > 0) { throw bad("--timeout", "must be positive", "give seconds, e.g. 5") }
        return self
    }
}

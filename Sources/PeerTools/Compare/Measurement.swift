import BenchCore

/// What `ibbench compare` measures, the same way with every tool that can.
public enum Measurement: String, CaseIterable, Sendable, Codable {
    case tcpStream = "tcp_stream"
    /// Request/response with one transaction in flight: the round trip.
    case tcpLatency = "tcp_rr"
    case rdmaWriteBandwidth = "rdma_write_bw"
    case rdmaSendLatency = "rdma_send_lat"

    /// The metric compared across tools (a name every parser and engine fills in).
    public var metric: String { isLatency ? "latency_mean" : "throughput" }
    public var unit: Metric.Unit { isLatency ? .nanoseconds : .bitsPerSecond }
    public var isLatency: Bool { self == .tcpLatency || self == .rdmaSendLatency }
    public var isRDMA: Bool { self == .rdmaWriteBandwidth || self == .rdmaSendLatency }

    public var title: String {
        switch self {
        case .tcpStream: "TCP stream throughput"
        case .tcpLatency: "TCP request/response mean round-trip latency"
        case .rdmaWriteBandwidth: "RDMA write bandwidth"
        case .rdmaSendLatency: "RDMA send mean round-trip latency"
        }
    }

    public var better: String { isLatency ? "lower is better" : "higher is better" }
}

/// How one run is done: where, for how long, with which message size.
public struct RunSettings: Sendable, Equatable {
    public var peer: String
    /// Seconds per run (tools that take whole seconds get it rounded, at least 1).
    public var duration: Double
    /// Message size in bytes for this run (a sweep step); nil leaves each tool its default.
    public var size: Int?
    /// Control ports of the peer tools' servers when not their defaults.
    public var ports: [PeerTool: Int]

    public init(peer: String, duration: Double, size: Int? = nil, ports: [PeerTool: Int] = [:]) {
        self.peer = peer
        self.duration = duration
        self.size = size
        self.ports = ports
    }

    var wholeSeconds: String { String(max(1, Int(duration.rounded()))) }
}

/// Anything that can take a measurement: a peer tool, or one of ibkit's own engines.
public protocol MeasurementRunner: Sendable {
    /// The tool name results carry (`ibbench`, `netperf`, …); also the subunit route code.
    var tool: String { get }
    func supports(_ measurement: Measurement) -> Bool
    /// Nil when the runner can run; otherwise why not and what to do (the skip reason).
    func unavailable() -> String?
    /// One run. Never throws: a failed run is a result with status `error` and a reason.
    func run(_ measurement: Measurement, _ settings: RunSettings) -> BenchResult
}

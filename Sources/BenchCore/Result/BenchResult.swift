/// One measurement (a `BenchResult`): what ran, with which tool and parameters, and what it
/// measured. Every engine (TCP, RDMA) and every peer-tool parser produces
/// these; every reporter (table, JSON lines, CSV, subunit) consumes them.
public struct BenchResult: Sendable, Codable, Equatable {
    /// Stable test id, dotted: `ibbench.tcp.stream`, `netperf.TCP_RR`,
    /// `iperf3.tcp.reverse`. A sweep adds the size: `ibbench.tcp.stream.65536`.
    public var test: String
    /// The tool that produced it: `ibbench`, `netperf`, `iperf3`, `qperf`, `perftest`.
    public var tool: String
    public var transport: Transport
    /// Test parameters as the tool named them (`size`, `streams`, `duration`, …).
    public var parameters: [String: String]
    /// Results, in the order a reader should see them.
    public var metrics: [Metric]
    public var status: Status
    /// Why it failed or was skipped; nil when it passed.
    public var reason: String?
    /// Wall-clock start, seconds since the Unix epoch (for subunit timestamps).
    public var started: Double?
    /// Measured duration in seconds.
    public var duration: Double?

    public init(
        test: String, tool: String, transport: Transport,
        parameters: [String: String] = [:], metrics: [Metric] = [],
        status: Status = .success, reason: String? = nil,
        started: Double? = nil, duration: Double? = nil
    ) {
        self.test = test
        self.tool = tool
        self.transport = transport
        self.parameters = parameters
        self.metrics = metrics
        self.status = status
        self.reason = reason
        self.started = started
        self.duration = duration
    }

    /// The first metric with this name, if any.
    public func metric(_ name: String) -> Metric? {
        metrics.first { $0.name == name }
    }

    public enum Transport: String, Sendable, Codable, CaseIterable {
        case tcp, udp, rdma
    }

    /// Mirrors the subunit statuses a measurement can end in.
    public enum Status: String, Sendable, Codable, CaseIterable {
        case success, fail, skip
        /// The run broke (lost peer, unparseable output) rather than missing a threshold.
        case error
    }
}

/// One named value with an explicit unit.
public struct Metric: Sendable, Codable, Equatable {
    /// `throughput`, `bytes`, `transactions_per_second`, `latency_p99`, …
    public var name: String
    public var value: Double
    public var unit: Unit

    public init(_ name: String, _ value: Double, _ unit: Unit) {
        self.name = name
        self.value = value
        self.unit = unit
    }

    /// Units are stored in base form; reporters choose the display scale.
    public enum Unit: String, Sendable, Codable, CaseIterable {
        /// bit/s (Gbit/s = 10^9 bit/s when displayed).
        case bitsPerSecond = "bit/s"
        case bytes = "B"
        case seconds = "s"
        /// Round-trip latency unless the metric name says `one_way`.
        case nanoseconds = "ns"
        case perSecond = "1/s"
        case percent = "%"
        /// Service demand: microseconds of CPU per kilobyte (2^10 bytes) moved.
        case microsecondsPerKB = "us/KB"
        case count = ""
    }
}

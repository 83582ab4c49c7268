/// What one directed test of the mesh measured: the unit of `results.jsonl`, of the
/// matrices and of the verdicts.
public struct LinkResult: Sendable, Codable, Equatable {
    /// `ibkit.mesh.result/1`, on every line of `results.jsonl` so a reader can tell it
    /// from other JSON lines and refuse a future layout.
    public var schema: String = LinkResult.schemaName
    public var from: String
    public var to: String
    /// `tcp` or `rdma`.
    public var transport: String
    public var phase: Phase
    public var status: Status
    /// Stream (TCP) or write (RDMA) bandwidth, bit/s; nil when the test failed.
    public var bandwidthBitsPerSecond: Double?
    /// Round-trip latency (rr / send lat), ns; nil when not measured.
    public var latencyNanoseconds: Double?
    /// Why it failed; nil when it passed.
    public var reason: String?
    /// The schedule round it ran in, when in the mesh phase.
    public var round: Int?
    /// Wall-clock start, seconds since the Unix epoch.
    public var started: Double?
    /// How long the pair's tests took, seconds.
    public var duration: Double?

    public static let schemaName = "ibkit.mesh.result/1"

    public enum Phase: String, Sendable, Codable {
        /// Part of the all-pairs schedule.
        case mesh
        /// Run alone after the mesh, to tell a bad node from a bad link.
        case retest
    }

    public enum Status: String, Sendable, Codable {
        case success
        /// The test ran but broke (peer lost, timeout, refused).
        case failed
    }

    public init(
        _ link: DirectedLink, transport: String, phase: Phase = .mesh, status: Status = .success,
        bandwidthBitsPerSecond: Double? = nil, latencyNanoseconds: Double? = nil, reason: String? = nil,
        round: Int? = nil, started: Double? = nil, duration: Double? = nil
    ) {
        from = link.from
        to = link.to
        self.transport = transport
        self.phase = phase
        self.status = status
        self.bandwidthBitsPerSecond = bandwidthBitsPerSecond
        self.latencyNanoseconds = latencyNanoseconds
        self.reason = reason
        self.round = round
        self.started = started
        self.duration = duration
    }

    public var link: DirectedLink { DirectedLink(from: from, to: to) }

    /// Bandwidth when the test passed and measured one.
    var usableBandwidth: Double? { status == .success ? bandwidthBitsPerSecond : nil }
    /// Latency when the test passed and measured one.
    var usableLatency: Double? { status == .success ? latencyNanoseconds : nil }

    enum CodingKeys: String, CodingKey {
        case schema, from, to, transport, phase, status, reason, round, started, duration
        case bandwidthBitsPerSecond = "bandwidth_bps"
        case latencyNanoseconds = "latency_ns"
    }
}

extension Array where Element == LinkResult {
    /// The latest result of each directed link in one phase: a resumed or repeated
    /// test replaces the earlier one.
    public func latest(phase: LinkResult.Phase) -> [DirectedLink: LinkResult] {
        var byLink: [DirectedLink: LinkResult] = [:]
        for result in self where result.phase == phase { byLink[result.link] = result }
        return byLink
    }
}

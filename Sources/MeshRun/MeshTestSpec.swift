import RDMABench
import TCPBench

/// What every directed link of a run is measured with. The coordinator fixes it and sends
/// it with each job, so all ranks measure alike whatever their own command lines said
/// (what is local to a node, `--dev`, `--bind`, `--ib-dev`, comes from that node's own).
public struct MeshTestSpec: Codable, Sendable, Equatable {
    public enum Transport: String, Codable, Sendable, CaseIterable {
        /// TCP stream, then TCP rr.
        case tcp
        /// RDMA write bw, then RDMA send lat.
        case rdma
    }

    public var transport: Transport
    /// Seconds of each of the two tests.
    public var duration: Double
    /// Write size of the stream test, message size of RDMA write bw; nil: the engine's default.
    public var size: Int?
    /// TCP streams (`-P`) or RDMA queue pairs (`--qps`) of the bandwidth test.
    public var streams: Int
    /// The TCP tests' socket and send options (`--window`, `--nodelay`, `--mss`,
    /// `--congestion`; `--zerocopy` for the stream test, `--busy-poll` for rr).
    public var tcp: TCPTuning
    /// The RDMA tests' queue handling (`--tx-depth`, `--inline`, `--cq-mod`, `--post-list`,
    /// `--poll`, `--validate`, `--hugepages`).
    public var rdma: RDMATuning
    /// Request and response size of rr, message size of send lat.
    public var latencySize: Int
    /// The port every rank's benchmark server listens on.
    public var port: UInt16

    public init(transport: Transport, duration: Double, size: Int? = nil, streams: Int = 1,
                tcp: TCPTuning = TCPTuning(), rdma: RDMATuning = RDMATuning(), latencySize: Int = 1, port: UInt16) {
        self.transport = transport
        self.duration = duration
        self.size = size
        self.streams = streams
        self.tcp = tcp
        self.rdma = rdma
        self.latencySize = latencySize
        self.port = port
    }

    enum CodingKeys: String, CodingKey { case transport, duration, size, streams, tcp, rdma, latencySize, port }

    /// Every key always there (`size` null for the engine's default), as in all of ibkit's JSON.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(transport, forKey: .transport)
        try c.encode(duration, forKey: .duration)
        try c.encode(size, forKey: .size)
        try c.encode(streams, forKey: .streams)
        try c.encode(tcp, forKey: .tcp)
        try c.encode(rdma, forKey: .rdma)
        try c.encode(latencySize, forKey: .latencySize)
        try c.encode(port, forKey: .port)
    }

    /// The longest one test may take: its duration plus the 10 s grace the engines allow it.
    public var testLimit: Double { duration + 10 }

    /// How long the coordinator waits for a job's report before it counts the client rank
    /// as silent: both tests' limits, plus 15 s for connecting and the handshake, which
    /// the engines bound on their own (10 s a step) when a peer is gone.
    public var jobTimeout: Double { 2 * testLimit + 15 }

    /// Checks that both tests of a link can run as given, as the engines will check them:
    /// a bad option is a usage error on every rank before anything starts.
    public func validated() throws -> MeshTestSpec {
        let tests = LinkTests(spec: self, localAddress: nil, device: nil, ibDevice: nil, ibPort: nil, token: nil)
        switch transport {
        case .tcp:
            _ = try tests.tcpOptions(.stream, to: "peer").validated()
            _ = try tests.tcpOptions(.rr, to: "peer").validated()
        case .rdma:
            _ = try tests.rdmaOptions(.write, .bw, to: "peer").validated()
            _ = try tests.rdmaOptions(.send, .lat, to: "peer").validated()
        }
        return self
    }

    /// `stream` or `write.bw`: the bandwidth test's part of the test id.
    var bandwidthName: String { transport == .tcp ? "stream" : "write.bw" }
}

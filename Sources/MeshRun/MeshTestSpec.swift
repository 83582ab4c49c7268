/// What every directed link of a run is measured with. The coordinator fixes it and sends
/// it with each job, so all ranks measure alike whatever their own command lines said.
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
    /// TCP socket buffer size, both ends.
    public var window: Int?
    /// Request and response size of rr, message size of send lat.
    public var latencySize: Int
    /// The port every rank's benchmark server listens on.
    public var port: UInt16

    public init(transport: Transport, duration: Double, size: Int? = nil, streams: Int = 1, window: Int? = nil,
                latencySize: Int = 1, port: UInt16) {
        self.transport = transport
        self.duration = duration
        self.size = size
        self.streams = streams
        self.window = window
        self.latencySize = latencySize
        self.port = port
    }

    /// The longest one test may take: its duration plus the 10 s grace the engines allow it.
    public var testLimit: Double { duration + 10 }

    /// How long the coordinator waits for a job's report before it counts the client rank
    /// as silent: both tests' limits, plus 15 s for connecting and the handshake, which
    /// the engines bound on their own (10 s a step) when a peer is gone.
    public var jobTimeout: Double { 2 * testLimit + 15 }

    /// `stream` or `write.bw`: the bandwidth test's part of the test id.
    var bandwidthName: String { transport == .tcp ? "stream" : "write.bw" }
}

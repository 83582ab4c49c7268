import BenchCore
import PeerTools
import TCPBench

/// ibkit's TCP engine as a comparison runner: `tcp_stream` is `ibbench tcp PEER stream`,
/// `tcp_rr` is `ibbench tcp PEER rr` (one-byte messages unless a sweep sets the size), against
/// `ibbench serve` on the peer.
public struct TCPEngineRunner: MeasurementRunner {
    /// The port `ibbench serve` listens on.
    public var port: UInt16

    public init(port: UInt16 = ServerOptions.defaultPort) { self.port = port }

    public var tool: String { "ibbench" }

    public func supports(_ m: Measurement) -> Bool { m == .tcpStream || m == .tcpLatency }

    /// Always runnable: the engine is built in; a peer without `ibbench serve` is a failed run.
    public func unavailable() -> String? { nil }

    public func run(_ m: Measurement, _ s: RunSettings) -> BenchResult {
        var test = TCPTestOptions(peer: s.peer)
        test.port = port
        test.duration = s.duration
        test.mode = m == .tcpLatency ? .rr : .stream
        if let size = s.size {
            if m == .tcpLatency { test.request = size; test.response = size } else { test.size = size }
        }
        let collector = ResultCollector()
        let verdict: RunVerdict
        do {
            verdict = try TCPBenchmark.run(TCPRunRequest(test: test), reporter: collector)
        } catch {
            return failed(m, error.description)
        }
        var r = collector.last ?? failed(m, "the TCP engine reported no result")
        if case .error(let text) = verdict, r.status != .error {
            r.status = .error
            r.reason = text
        }
        r.test = "ibbench.\(m.rawValue)"
        r.parameters["command"] = "ibbench tcp \(s.peer) \(test.mode.rawValue) -t \(s.duration) --port \(port)"
        return r
    }

    private func failed(_ m: Measurement, _ reason: String) -> BenchResult {
        BenchResult(test: "ibbench.\(m.rawValue)", tool: tool, transport: .tcp, status: .error, reason: reason,
                    started: wallClockSeconds())
    }
}

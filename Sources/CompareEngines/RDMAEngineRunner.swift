import BenchCore
import Fabric
import PeerTools
import RDMABench
import TCPBench

/// ibkit's RDMA engine as a comparison runner: `rdma_write_bw` is `ibbench rdma PEER write bw`,
/// `rdma_send_lat` is `ibbench rdma PEER send lat`, against `ibbench serve` on the peer.
/// Skipped on a host without an RDMA device.
public struct RDMAEngineRunner: MeasurementRunner {
    /// The rdma_cm port `ibbench serve` listens on.
    public var port: UInt16
    /// The RDMA devices of this host (a parameter so tests can pretend either way).
    public var devices: @Sendable () -> [String]

    public init(port: UInt16 = ServerOptions.defaultPort, devices: @escaping @Sendable () -> [String] = verbsDeviceNames) {
        self.port = port
        self.devices = devices
    }

    public var tool: String { "ibbench" }

    public func supports(_ m: Measurement) -> Bool { m.isRDMA }

    public func unavailable() -> String? {
        devices().isEmpty
            ? "no RDMA device on this host; load the HCA driver, or for testing create Soft-RoCE: rdma link add rxe0 type rxe netdev eth0"
            : nil
    }

    public func run(_ m: Measurement, _ s: RunSettings) -> BenchResult {
        let id = "ibbench.\(m.rawValue)"
        if let why = unavailable() {
            return BenchResult(test: id, tool: tool, transport: .rdma, status: .skip, reason: why, started: wallClockSeconds())
        }
        let lat = m == .rdmaSendLatency
        let o = RDMAOptions(peer: s.peer, port: port, verb: lat ? .send : .write, mode: lat ? .lat : .bw,
                            sizes: [s.size ?? (lat ? 2 : 65536)], duration: s.duration)
        var last: BenchResult?
        do {
            try RDMAClient.run(o) { last = $0 }
        } catch {
            last = last ?? BenchResult(test: id, tool: tool, transport: .rdma, status: .error, reason: error.description,
                                       started: wallClockSeconds())
            if last?.status != .error { last?.status = .error; last?.reason = error.description }
        }
        var r = last ?? BenchResult(test: id, tool: tool, transport: .rdma, status: .error,
                                    reason: "the RDMA engine reported no result", started: wallClockSeconds())
        r.test = id
        r.parameters["command"] = "ibbench rdma \(s.peer) \(o.verb.rawValue) \(o.mode.rawValue) -t \(s.duration)"
        return r
    }
}

extension RDMAEngineRunner {
    /// Both of ibkit's engines, on their default ports.
    public static func engines(tcpPort: UInt16 = ServerOptions.defaultPort, rdmaPort: UInt16 = ServerOptions.defaultPort) -> [any MeasurementRunner] {
        [TCPEngineRunner(port: tcpPort), RDMAEngineRunner(port: rdmaPort)]
    }
}

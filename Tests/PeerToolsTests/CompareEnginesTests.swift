import BenchCore
import CompareEngines
import Foundation
import Logging
import Testing
import TCPBench
@testable import PeerTools

/// `compare` with ibkit's TCP engine against a server this test runs in-process on loopback,
/// next to netperf (against a netserver the test starts, or skipped when netperf is missing).
@Suite(.serialized, .timeLimit(.minutes(1))) struct CompareEnginesTests {
    /// Runs `body` with an `ibbench serve` on 127.0.0.1 (its port) and, when netperf is on
    /// PATH, a netserver on another loopback port; both are stopped within seconds afterwards.
    func withServers(_ body: (_ ibbenchPort: UInt16, _ netperfPort: Int) throws -> Void) throws {
        var quiet = Logger(label: "test.serve")
        quiet.logLevel = .critical
        let server = try BenchServer(options: ServerOptions(port: 0, bind: "127.0.0.1", maxClients: 2), transports: [TCPTransport()], logger: quiet)
        let done = DispatchSemaphore(value: 0)
        Thread { server.serve(); done.signal() }.start()
        defer {
            server.stop()
            #expect(done.wait(timeout: .now() + 10) == .success, "the in-process server stops")
        }
        // Below the ephemeral range (32768 up), which other tests' sockets draw from.
        let netperfPort = 10000 + Int(getpid() % 20000) + 3
        if let netserver = ToolProcess.locate("netserver") {
            let ns = try SpawnedProcess(netserver, ["-D", "-L", "127.0.0.1", "-4", "-p", String(netperfPort)], capture: false)
            defer { ns.stop() }
            usleep(300_000)
            try body(server.port, netperfPort)
        } else {
            try body(server.port, netperfPort)
        }
    }

    @Test func tableHasIbbenchRowsNextToPeerTools() throws {
        try withServers { ibbenchPort, netperfPort in
            let out = ReportOutput.memory()
            let run = CompareRun(peer: "127.0.0.1", rounds: 1, duration: 0.5, measurements: [.tcpStream, .tcpLatency],
                                 tools: ["ibbench", "netperf"], ports: [.netperf: netperfPort])
            let status = try run.run(engines: [TCPEngineRunner(port: ibbenchPort)], output: out)
            let table = String(decoding: out.bytes, as: UTF8.self)
            #expect(status == 0, "\(table)")
            let ibbenchRows = table.split(separator: "\n").filter { $0.hasPrefix("ibbench ") }
            #expect(ibbenchRows.count == 2, "one ibbench row per measurement: \(table)")
            #expect(ibbenchRows.allSatisfy { !$0.contains("skipped") && !$0.contains("failed") }, "\(table)")
            #expect(table.split(separator: "\n").filter { $0.hasPrefix("netperf ") }.count == 2, "\(table)")
        }
    }

    @Test func engineRunsCarryTheComparedMetric() throws {
        try withServers { ibbenchPort, _ in
            let engine = TCPEngineRunner(port: ibbenchPort)
            let settings = RunSettings(peer: "127.0.0.1", duration: 0.5)
            let stream = engine.run(.tcpStream, settings)
            #expect(stream.status == .success, "\(stream.reason ?? "")")
            #expect(stream.test == "ibbench.tcp_stream")
            #expect((stream.metric("throughput")?.value ?? 0) > 1e6)
            var sized = settings
            sized.size = 64
            let rr = engine.run(.tcpLatency, sized)
            #expect(rr.status == .success, "\(rr.reason ?? "")")
            #expect((rr.metric("latency_mean")?.value ?? 0) > 0)
        }
    }

    @Test func noServerIsAFailedRunNotAHang() {
        // Port 9 (discard) on loopback has no listener: connection refused, at once.
        let r = TCPEngineRunner(port: 9).run(.tcpStream, RunSettings(peer: "127.0.0.1", duration: 0.5))
        #expect(r.status == .error)
        #expect(r.reason?.isEmpty == false)
    }

    @Test func rdmaEngineWithoutDeviceIsSkippedWithAReason() {
        let engine = RDMAEngineRunner(devices: { [] })
        #expect(engine.unavailable()?.contains("no RDMA device") == true)
        let r = engine.run(.rdmaWriteBandwidth, RunSettings(peer: "127.0.0.1", duration: 0.5))
        #expect(r.status == .skip)
        #expect(!engine.supports(.tcpStream) && engine.supports(.rdmaSendLatency))
    }
}

import BenchCore
import Foundation
import Testing
@testable import PeerTools

@Suite struct RunnerCommandTests {
    let s = RunSettings(peer: "10.0.0.2", duration: 5)

    @Test func netperfUsesOmniKeyValueSelectors() {
        let c = PeerToolRunner(.netperf).command(.tcpStream, s)
        #expect(c?.program == "netperf")
        #expect(c?.arguments == ["-H", "10.0.0.2", "-t", "TCP_STREAM", "-l", "5", "--", "-k",
                                 "THROUGHPUT,THROUGHPUT_UNITS,ELAPSED_TIME,PROTOCOL,DIRECTION,LOCAL_SEND_SIZE,CONFIDENCE_LEVEL,THROUGHPUT_CONFID"])
        var sized = s
        sized.size = 1024
        sized.ports = [.netperf: 12866]
        let rr = PeerToolRunner(.netperf).command(.tcpLatency, sized)
        #expect(rr?.arguments.prefix(8) == ["-H", "10.0.0.2", "-t", "TCP_RR", "-l", "5", "-p", "12866"])
        #expect(rr?.arguments.suffix(2) == ["-r", "1024,1024"])
    }

    @Test func eachToolRunsWhatItCan() {
        #expect(PeerToolRunner(.iperf3).command(.tcpStream, s)?.arguments == ["-c", "10.0.0.2", "-t", "5", "--json"])
        #expect(PeerToolRunner(.iperf3).command(.tcpLatency, s) == nil)
        #expect(PeerToolRunner(.qperf).command(.tcpLatency, s)?.arguments == ["10.0.0.2", "-v", "-t", "5", "tcp_lat"])
        #expect(PeerToolRunner(.qperf).command(.rdmaWriteBandwidth, s)?.arguments
                == ["10.0.0.2", "-v", "-t", "5", "-cm1", "rc_rdma_write_bw"])
        #expect(PeerToolRunner(.perftest).command(.rdmaWriteBandwidth, s).map { [$0.program] + $0.arguments }
                == ["ib_write_bw", "-R", "-D", "5", "10.0.0.2"])
        #expect(PeerToolRunner(.perftest).command(.rdmaSendLatency, s)?.program == "ib_send_lat")
        #expect(PeerToolRunner(.perftest).command(.tcpStream, s) == nil)
    }

    @Test func missingToolIsSkippedWithHowToInstall() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("ibkit-empty-\(getpid())")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        let runner = PeerToolRunner(.iperf3, searchPath: empty.path)
        #expect(runner.unavailable()?.contains("apt-get install iperf3") == true)
        let r = runner.run(.tcpStream, s)
        #expect(r.status == .skip)
        #expect(PeerToolRunner(.netperf, searchPath: empty.path).unavailable()?.contains("HewlettPackard/netperf") == true)
    }
}

/// Runners against stand-in tools (shell scripts) in a directory of their own.
@Suite(.serialized, .timeLimit(.minutes(1))) struct RunnerProcessTests {
    func fakeTool(_ name: String, _ script: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ibkit-fake-\(getpid())-\(name)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent(name)
        // Close-on-exec, so no process forked meanwhile keeps it open for writing (ETXTBSY on exec).
        let fd = open(file.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        let bytes = Array(("#!/bin/sh\n" + script).utf8)
        let written = write(fd, bytes, bytes.count)
        close(fd)
        guard written == bytes.count else { throw POSIXError(.EIO) }
        return dir
    }

    @Test func hungToolIsStoppedAtTheDeadline() throws {
        let dir = try fakeTool("iperf3", "exec sleep 30\n")
        defer { try? FileManager.default.removeItem(at: dir) }
        var runner = PeerToolRunner(.iperf3, searchPath: dir.path)
        runner.slack = 0.5
        let start = Date()
        let r = runner.run(.tcpStream, RunSettings(peer: "127.0.0.1", duration: 0.5))
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(r.status == .error)
        #expect(r.reason?.contains("no result within 1 s, stopped") == true, "\(r.reason ?? "") \(r.parameters)")
    }

    @Test func grandchildHoldingTheOutputDoesNotHang() throws {
        // The tool prints its result and exits, leaving a background child with stdout open.
        let json = try Fixture.bench("iperf3-fail-no-server-json.txt")
        let dir = try fakeTool("iperf3", "sleep 30 &\ncat <<'EOF'\n\(json)\nEOF\nexit 0\n")
        defer { try? FileManager.default.removeItem(at: dir) }
        let start = Date()
        let r = PeerToolRunner(.iperf3, searchPath: dir.path).run(.tcpStream, RunSettings(peer: "127.0.0.1", duration: 1))
        #expect(Date().timeIntervalSince(start) < 5)
        #expect(r.reason == "iperf3: unable to connect to server: Connection refused")
    }

    @Test func hungToolWithChildrenIsStoppedWithItsGroup() throws {
        let dir = try fakeTool("iperf3", "sleep 30 &\nsleep 30\n")
        defer { try? FileManager.default.removeItem(at: dir) }
        var runner = PeerToolRunner(.iperf3, searchPath: dir.path)
        runner.slack = 0.5
        let start = Date()
        let r = runner.run(.tcpStream, RunSettings(peer: "127.0.0.1", duration: 0.5))
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(r.status == .error)
    }

    @Test func jsonErrorWithExitZeroIsAFailedRun() throws {
        let json = try Fixture.bench("iperf3-fail-no-server-json.txt")
        let dir = try fakeTool("iperf3", "cat <<'EOF'\n\(json)\nEOF\nexit 0\n")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = PeerToolRunner(.iperf3, searchPath: dir.path).run(.tcpStream, RunSettings(peer: "127.0.0.1", duration: 1))
        #expect(r.status == .error)
        #expect(r.reason == "iperf3: unable to connect to server: Connection refused")
        #expect(r.parameters["command"] == "iperf3 -c 127.0.0.1 -t 1 --json")
    }

    @Test func garbageOutputIsAFailedRunNamingTheLine() throws {
        let dir = try fakeTool("qperf", "echo 'Segmentation fault'\nexit 139\n")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = PeerToolRunner(.qperf, searchPath: dir.path).run(.tcpLatency, RunSettings(peer: "h", duration: 1))
        #expect(r.status == .error)
        #expect(r.reason?.hasPrefix("qperf output line 1: unexpected \"Segmentation fault\"") == true, "\(r.reason ?? "")")
    }
}

/// The real netperf against a netserver this test starts on loopback.
@Suite(.serialized, .timeLimit(.minutes(1))) struct NetperfRunnerTests {
    static let netperf = ToolProcess.locate("netperf")
    static let netserver = ToolProcess.locate("netserver")

    @Test(.enabled(if: netperf != nil && netserver != nil, "needs netperf and netserver on PATH (built from HewlettPackard/netperf)"),
          .timeLimit(.minutes(1)))
    func streamAndRequestResponseOverLoopback() throws {
        // Below the ephemeral range (32768 up), which other tests' sockets draw from.
        let port = 10000 + Int(getpid() % 20000)
        // netserver forks a child per test; stopping its process group ends them all.
        let server = try SpawnedProcess(Self.netserver!, ["-D", "-L", "127.0.0.1", "-4", "-p", String(port)], capture: false)
        defer { server.stop() }
        usleep(300_000)
        let settings = RunSettings(peer: "127.0.0.1", duration: 1, ports: [.netperf: port])
        let runner = PeerToolRunner(.netperf)
        let stream = runner.run(.tcpStream, settings)
        #expect(stream.status == .success, "\(stream.reason ?? "")")
        #expect(stream.test == "netperf.TCP_STREAM")
        #expect((stream.metric("throughput")?.value ?? 0) > 1e6)
        let rr = runner.run(.tcpLatency, settings)
        #expect(rr.status == .success, "\(rr.reason ?? "")")
        #expect((rr.metric("latency_mean")?.value ?? 0) > 0)
        #expect(rr.metric("latency_p99") != nil)
    }

    @Test(.enabled(if: netperf != nil, "needs netperf on PATH"), .timeLimit(.minutes(1)))
    func noNetserverIsAFailedRun() {
        let r = PeerToolRunner(.netperf).run(.tcpStream, RunSettings(peer: "127.0.0.1", duration: 1, ports: [.netperf: 9]))
        #expect(r.status == .error)
        #expect(r.reason?.contains("establish") == true, "\(r.reason ?? "")")
    }
}

import Foundation
import BenchCore

/// Runs a peer tool with options whose output parses exactly: netperf omni `-k` selectors,
/// iperf3 `--json`, qperf `-v`, perftest over rdma_cm (`-R`). A server must run on the peer
/// (netserver, `iperf3 -s`, `qperf`, the same perftest program without a host).
public struct PeerToolRunner: MeasurementRunner {
    public let peerTool: PeerTool
    /// Extra seconds beyond the run's duration before the tool is stopped.
    public var slack: Double = 20
    /// The PATH to search (nil: the process's own).
    public var searchPath: String?

    public init(_ tool: PeerTool, searchPath: String? = nil) {
        peerTool = tool
        self.searchPath = searchPath
    }

    public var tool: String { peerTool.rawValue }

    public func supports(_ m: Measurement) -> Bool { command(m, RunSettings(peer: "", duration: 1)) != nil }

    public func unavailable() -> String? {
        let programs: [String] = switch peerTool {
        case .perftest: ["ib_write_bw", "ib_send_lat"]
        default: [peerTool.rawValue]
        }
        for p in programs where ToolProcess.locate(p, path: searchPath ?? defaultPath) == nil {
            return "\(p) not found on PATH; \(peerTool.installHint)"
        }
        return nil
    }

    private var defaultPath: String? { ProcessInfo.processInfo.environment["PATH"] }

    /// The program and arguments for one run; nil when the tool has no such test.
    public func command(_ m: Measurement, _ s: RunSettings) -> (program: String, arguments: [String])? {
        let secs = s.wholeSeconds
        let port = s.ports[peerTool].map(String.init)
        switch (peerTool, m) {
        case (.netperf, .tcpStream), (.netperf, .tcpLatency):
            let rr = m == .tcpLatency
            var args = ["-H", s.peer, "-t", rr ? "TCP_RR" : "TCP_STREAM", "-l", secs]
            if let port { args += ["-p", port] }
            let selectors = rr ? NetperfSelector.requestResponseSet : NetperfSelector.streamSet
            args += ["--", "-k", selectors.map(\.rawValue).joined(separator: ",")]
            if let size = s.size { args += rr ? ["-r", "\(size),\(size)"] : ["-m", String(size)] }
            return ("netperf", args)
        case (.iperf3, .tcpStream):
            var args = ["-c", s.peer, "-t", secs, "--json"]
            if let port { args += ["-p", port] }
            if let size = s.size { args += ["-l", String(size)] }
            return ("iperf3", args)
        case (.qperf, _):
            var args = [s.peer, "-v", "-t", secs]
            if let port { args += ["-lp", port] }
            if m.isRDMA { args.append("-cm1") }   // rdma_cm: RoCE needs GIDs, which qperf's own exchange lacks
            if let size = s.size { args += ["-m", String(size)] }
            let test = switch m {
            case .tcpStream: "tcp_bw"
            case .tcpLatency: "tcp_lat"
            case .rdmaWriteBandwidth: "rc_rdma_write_bw"
            case .rdmaSendLatency: "rc_lat"
            }
            return ("qperf", args + [test])
        case (.perftest, .rdmaWriteBandwidth), (.perftest, .rdmaSendLatency):
            let lat = m == .rdmaSendLatency
            // Latency in duration mode prints other columns; a fixed iteration count keeps the report shape.
            var args = ["-R"] + (lat ? ["-n", "1000"] : ["-D", secs])
            if let port { args += ["-p", port] }
            if let size = s.size { args += ["-s", String(size)] }
            return (lat ? "ib_send_lat" : "ib_write_bw", args + [s.peer])
        default:
            return nil
        }
    }

    public func run(_ m: Measurement, _ s: RunSettings) -> BenchResult {
        let started = wallClockSeconds()
        var failed = BenchResult(test: "\(tool).\(m.rawValue)", tool: tool, transport: m.isRDMA ? .rdma : .tcp,
                                 status: .error, started: started)
        guard let (program, arguments) = command(m, s) else {
            failed.status = .skip
            failed.reason = "\(tool) has no \(m.rawValue) test"
            return failed
        }
        guard let path = ToolProcess.locate(program, path: searchPath ?? defaultPath) else {
            failed.status = .skip
            failed.reason = "\(program) not found on PATH; \(peerTool.installHint)"
            return failed
        }
        let timeout = s.duration + slack
        let outcome: ToolRun
        do {
            outcome = try ToolProcess.run(peerTool, path, arguments, timeout: timeout)
        } catch {
            failed.reason = error.description
            return failed
        }
        failed.parameters["command"] = ([program] + arguments).joined(separator: " ")
        if outcome.timedOut {
            failed.reason = "\(program): no result within \(Int(timeout)) s, stopped; check that its server runs on \(s.peer)"
            return failed
        }
        var results = PeerOutput.results(peerTool, outcome.stdout, test: failed.test)
        if peerTool == .perftest, results.first?.status == .error, !outcome.stderr.isEmpty {
            // perftest reports connection failures on stderr.
            results = PeerOutput.results(peerTool, outcome.stdout + "\n" + outcome.stderr, test: failed.test)
        }
        var r = results.first ?? failed
        if r.status == .success, outcome.status != 0 {
            r.status = .error
            r.reason = "\(program) exited with status \(outcome.status): \(lastLine(outcome.stderr) ?? "no message")"
        } else if r.status == .error, outcome.status != 0, let e = lastLine(outcome.stderr), r.reason?.contains(e) != true {
            r.reason = (r.reason ?? program) + " (stderr: \(e))"
        }
        r.started = r.started ?? started
        r.parameters["command"] = failed.parameters["command"]
        return r
    }

    private func lastLine(_ text: String) -> String? {
        text.split(separator: "\n").last.map { String($0.trimmingBlanks) }
    }
}

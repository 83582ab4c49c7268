import BenchCore
import Logging

/// One `ibbench udp` invocation: a test against a peer or an in-process loopback server.
public struct UDPRunRequest: Sendable {
    public var test: UDPTestOptions
    public var thresholds = Thresholds()
    /// Start a server on 127.0.0.1 in this process and test against it.
    public var loopback = false

    public init(test: UDPTestOptions) { self.test = test }
}

public enum UDPBenchmark {
    /// Runs `request`, reporting every result; throws only for bad input found before the test.
    public static func run(_ request: UDPRunRequest, reporter: any Reporter,
                           logger: Logger = Logger(label: "ibbench.udp")) throws(BenchError) -> RunVerdict {
        var req = request
        req.test = try request.test.validated()
        var loopback: LoopbackServer?
        if req.loopback {
            let server = try LoopbackServer(transport: UDPTransport(bind: "127.0.0.1"), token: req.test.token, logger: logger)
            req.test.peer = "127.0.0.1"
            req.test.port = server.port
            loopback = server
        }
        defer { withExtendedLifetime(loopback) {} }   // it serves until the run is over
        let id = "ibbench.udp.\(req.test.mode.rawValue)"
        let run = UDPClient(options: req.test).run(testID: id, reporter: reporter)
        if let error = run.error {
            reporter.finished(BenchResult(test: id, tool: "ibbench", transport: .udp, status: .error,
                                          reason: error.description, started: wallClockSeconds()), route: nil)
            return .error(error.description)
        }
        for (r, route) in run.results.dropLast() { reporter.finished(r, route: route) }
        guard let total = run.results.last?.0 else { return .error("\(id): no result") }
        let judged = req.thresholds.apply(to: total)
        reporter.finished(judged, route: nil)
        switch judged.status {
        case .success: return .passed
        case .error: return .error(judged.reason ?? "\(id) failed")
        default: return .thresholdMissed
        }
    }
}

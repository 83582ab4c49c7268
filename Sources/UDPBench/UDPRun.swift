import BenchCore
import Logging

/// One `ibbench udp` invocation: a test against a peer or an in-process loopback server.
public struct UDPRunRequest: Sendable {
    public var test: UDPTestOptions
    public var thresholds = Thresholds()
    public var repeatCount = 1
    public static let repeatRange = RepeatedRun.countRange
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
        if !UDPRunRequest.repeatRange.contains(req.repeatCount) {
            throw BenchError(.usage, subject: "--repeat", what: "\(req.repeatCount) is out of range", next: "give 1 to 1000")
        }
        var loopback: LoopbackServer?
        if req.loopback {
            let server = try LoopbackServer(transport: UDPTransport(bind: LoopbackServer.address), token: req.test.token, logger: logger)
            req.test.peer = "127.0.0.1"
            req.test.port = server.port
            loopback = server
        }
        defer { withExtendedLifetime(loopback) {} }   // it serves until the run is over
        let id = "ibbench.udp.\(req.test.mode.rawValue)"
        let client = UDPClient(options: req.test)
        return RepeatedRun.run(count: req.repeatCount, testID: id, transport: .udp, thresholds: req.thresholds,
                               reporter: reporter) { client.run(testID: $0, reporter: reporter) }
    }
}

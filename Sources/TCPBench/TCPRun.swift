import BenchCore
import Logging

/// One `ibbench tcp` invocation: a test, or a sweep of message sizes, each repeated, against a
/// peer or an in-process loopback server; results go to the reporter as they happen.
public struct TCPRunRequest: Sendable {
    public var test: TCPTestOptions
    /// Message sizes (powers of two from lower to upper) instead of one size.
    public var sweep: ClosedRange<Int>?
    public var repeatCount = 1
    public var thresholds = Thresholds()
    /// Start a server on 127.0.0.1 in this process and test against it.
    public var loopback = false

    public init(test: TCPTestOptions) { self.test = test }

    /// Default sweep: 1 KiB…4 MiB writes for bulk modes, 1 B…64 KiB messages for rr/crr.
    public static func defaultSweep(for mode: TCPMode) -> ClosedRange<Int> {
        mode == .rr || mode == .crr ? 1...65536 : 1024...(4 << 20)
    }
}

public enum TCPBenchmark {
    /// Runs `request`, reporting every result; throws only for bad input found before any test
    /// (`TCPRunRequest.validated()`).
    public static func run(_ request: TCPRunRequest, reporter: any Reporter,
                           logger: Logger = Logger(label: "ibbench.tcp")) throws(BenchError) -> RunVerdict {
        var req = try request.validated()
        var loopback: LoopbackServer?
        if req.loopback {
            let server = try LoopbackServer(transport: TCPTransport(bind: LoopbackServer.address, logger: logger), token: req.test.token, logger: logger)
            req.test.peer = "127.0.0.1"
            req.test.port = server.port
            loopback = server
        }
        defer { withExtendedLifetime(loopback) {} }   // it serves until the run is over
        let mode = req.test.mode
        let base = "ibbench.tcp.\(mode.rawValue)"
        var sizes: [Int?] = [nil]
        if let sweep = req.sweep {
            sizes = []
            var s = 1
            while s < sweep.lowerBound { s <<= 1 }
            while s <= sweep.upperBound { sizes.append(s); s <<= 1 }
        }
        var verdict = RunVerdict.passed
        for size in sizes {
            let id = size.map { "\(base).\($0)" } ?? base
            let v = runRepeated(req, testID: id, size: size, reporter: reporter)
            verdict = verdict.worse(v)
            if case .error = v, size != nil, isUnreachable(v) { break }
        }
        return verdict
    }

    private static func isUnreachable(_ v: RunVerdict) -> Bool {
        if case .error(let text) = v { return text.contains("cannot connect") }
        return false
    }

    private static func runRepeated(_ req: TCPRunRequest, testID: String, size: Int?, reporter: any Reporter) -> RunVerdict {
        let o = req.test
        let client = TCPClient(options: o, reporter: reporter)
        let writeSize = (o.mode == .rr || o.mode == .crr) ? o.size : (size ?? o.size)
        let request = (o.mode == .rr || o.mode == .crr) ? (size ?? o.request) : o.request
        let response = (o.mode == .rr || o.mode == .crr) ? (size ?? o.response) : o.response
        return RepeatedRun.run(count: req.repeatCount, testID: testID, transport: .tcp, thresholds: req.thresholds,
                               reporter: reporter) { id in
            client.run(testID: id, size: writeSize, request: request, response: response)
        }
    }
}

import BenchCore

/// One `ibbench rdma` invocation: the test (one size or a sweep) and the limits it is held to.
public struct RDMARunRequest: Sendable, Equatable {
    public var options: RDMAOptions
    public var thresholds: Thresholds

    public init(options: RDMAOptions, thresholds: Thresholds = Thresholds()) {
        self.options = options
        self.thresholds = thresholds
    }

    /// Checks the options (`RDMAOptions.validated()`).
    public func validated() throws(RDMAError) -> RDMARunRequest {
        RDMARunRequest(options: try options.validated(), thresholds: thresholds)
    }
}

/// The RDMA engine behind the same API as `TCPBenchmark`: a request in, results through a
/// reporter out, a verdict back.
public enum RDMABenchmark {
    /// Runs `request`, reporting each size's result, judged against the thresholds, as it is
    /// measured. Throws only for bad options found before anything runs; a run that breaks
    /// (no device, nobody serving, peer lost) reports what it measured and ends `.error`.
    public static func run(_ request: RDMARunRequest, reporter: any Reporter) throws(RDMAError) -> RunVerdict {
        let req = try request.validated()
        var verdict = RunVerdict.passed
        do {
            try RDMAClient.run(req.options, starting: { reporter.started(test: $0, route: nil) }) { result in
                let judged = req.thresholds.apply(to: result)
                if judged.status == .fail { verdict = verdict.worse(.thresholdMissed) }
                reporter.finished(judged, route: nil)
            }
        } catch {
            verdict = verdict.worse(.error(error.description))
        }
        return verdict
    }
}

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
        // The size in progress and whether its result went out: a break before it did (no
        // device, nobody serving, refused) is still reported, as a failed test, in every format.
        var current = RDMAClient.testID(req.options, size: req.options.sizes[0])
        var begun = false, reported = false
        do {
            try RDMAClient.run(req.options, starting: { id in
                current = id
                begun = true
                reported = false
                reporter.started(test: id, route: nil)
            }) { result in
                let judged = req.thresholds.apply(to: result)
                if judged.status == .fail { verdict = verdict.worse(.thresholdMissed) }
                reporter.finished(judged, route: nil)
                reported = true
            }
        } catch {
            verdict = verdict.worse(.error(error.description))
            if !reported {
                // Every test starts (inprogress) before it ends, or its duration comes out negative.
                if !begun { reporter.started(test: current, route: nil) }
                reporter.finished(BenchResult(test: current, tool: "ibbench", transport: .rdma, status: .error,
                                              reason: error.description, started: wallClockSeconds()), route: nil)
            }
        }
        return verdict
    }
}

import BenchCore

/// What `ibbench compare` does: rounds of every measurement with every runner, interleaved
/// (each round runs each tool once, the starting tool rotating from round to round, so slow
/// drifts of the machine spread over all tools), then one summary per tool and measurement.
public struct Comparison: Sendable {
    public var runners: [any MeasurementRunner]
    public var measurements: [Measurement]
    public var rounds: Int
    public var settings: RunSettings
    /// Message sizes of a sweep; empty runs each tool at its default size.
    public var sizes: [Int]

    public init(runners: [any MeasurementRunner], measurements: [Measurement], rounds: Int,
                settings: RunSettings, sizes: [Int] = []) {
        self.runners = runners
        self.measurements = measurements
        self.rounds = rounds
        self.settings = settings
        self.sizes = sizes
    }

    /// Where a run stands, for a progress line.
    public struct Progress: Sendable, Equatable {
        public var round: Int, rounds: Int
        public var tool: String
        public var measurement: Measurement
        public var size: Int?
        /// Estimated from the runs left times the run duration.
        public var secondsLeft: Double
    }

    /// The test id of one run: `<tool>.<measurement>[.<size>].round<N>`.
    public static func testID(tool: String, _ m: Measurement, size: Int?, round: Int) -> String {
        "\(tool).\(m.rawValue)" + (size.map { ".\($0)" } ?? "") + ".round\(round)"
    }

    /// Runs everything; `reporter` sees each run as it starts and ends (route code = tool),
    /// then the summaries. Returns the summaries.
    public func run(reporter: (any Reporter)? = nil, progress: (@Sendable (Progress) -> Void)? = nil) -> [CompareSummary] {
        var runs: [(Measurement, Int?, BenchResult)] = []
        var ready: [any MeasurementRunner] = []
        for runner in runners {
            if let why = runner.unavailable() {
                for m in measurements where runner.supports(m) {
                    let r = BenchResult(test: "\(runner.tool).\(m.rawValue)", tool: runner.tool,
                                        transport: m.isRDMA ? .rdma : .tcp, status: .skip, reason: why)
                    reporter?.started(test: r.test, route: runner.tool)
                    reporter?.finished(r, route: runner.tool)
                    runs.append((m, nil, r))
                }
            } else {
                ready.append(runner)
            }
        }
        let steps = sizes.isEmpty ? [nil] : sizes.map { Optional($0) }
        let perRound = measurements.reduce(0) { n, m in n + ready.filter { $0.supports(m) }.count } * steps.count
        var done = 0
        for round in 1...Swift.max(1, rounds) {
            for m in measurements {
                let able = ready.filter { $0.supports(m) }
                guard !able.isEmpty else { continue }
                let shift = (round - 1) % able.count
                let order = Array(able[shift...] + able[..<shift])
                for size in steps {
                    for runner in order {
                        var s = settings
                        s.size = size
                        let id = Self.testID(tool: runner.tool, m, size: size, round: round)
                        let left = Double(perRound * rounds - done) * settings.duration
                        progress?(Progress(round: round, rounds: rounds, tool: runner.tool, measurement: m,
                                           size: size, secondsLeft: left))
                        reporter?.started(test: id, route: runner.tool)
                        var r = runner.run(m, s)
                        r.parameters["tool_test"] = r.test
                        r.test = id
                        r.parameters["measurement"] = m.rawValue
                        r.parameters["round"] = String(round)
                        if let size { r.parameters["size"] = String(size) }
                        reporter?.finished(r, route: runner.tool)
                        runs.append((m, size, r))
                        done += 1
                    }
                }
            }
        }
        let summaries = CompareSummary.summarise(runs)
        for s in summaries {
            let r = s.result
            reporter?.started(test: r.test, route: s.tool)
            reporter?.finished(r, route: s.tool)
        }
        return summaries
    }
}

import BenchCore

/// One tool's runs of one measurement (at one message size), reduced to what the final
/// table shows: median, min, max, how many runs gave a value, and the ratio to the baseline.
public struct CompareSummary: Sendable, Equatable {
    public var measurement: Measurement
    public var size: Int?
    public var tool: String
    /// The compared metric of every run that succeeded, in run order.
    public var values: [Double]
    public var runs: Int
    /// Why the tool has no values (skipped, or every run failed).
    public var reason: String?
    /// median / baseline median; nil for the baseline's absence or a tool without values.
    public var ratio: Double?
    public var baseline: String?

    public var median: Double? {
        guard !values.isEmpty else { return nil }
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
    public var min: Double? { values.min() }
    public var max: Double? { values.max() }

    /// Groups run results by measurement, size and tool (in first-seen order) and sets each
    /// group's ratio to the baseline: netperf when it has values, else the first tool that has.
    /// - Parameter runs: each run's measurement, sweep size (nil: the tool's default) and result.
    public static func summarise(_ runs: [(Measurement, Int?, BenchResult)]) -> [CompareSummary] {
        var out: [CompareSummary] = []
        for (m, size, r) in runs {
            let i = out.firstIndex { $0.measurement == m && $0.size == size && $0.tool == r.tool } ?? {
                out.append(CompareSummary(measurement: m, size: size, tool: r.tool, values: [], runs: 0))
                return out.count - 1
            }()
            if r.status == .skip {
                out[i].reason = r.reason
                continue
            }
            out[i].runs += 1
            if r.status == .success, let v = r.metric(m.metric)?.value {
                out[i].values.append(v)
            } else if out[i].values.isEmpty {
                out[i].reason = r.reason ?? "no \(m.metric) in the result"
            }
        }
        for i in out.indices {
            let group = out.filter { $0.measurement == out[i].measurement && $0.size == out[i].size }
            let base = group.first { $0.tool == "netperf" && $0.median != nil } ?? group.first { $0.median != nil }
            guard let base, let b = base.median, b != 0, let mine = out[i].median else { continue }
            out[i].baseline = base.tool
            out[i].ratio = mine / b
        }
        return out
    }

    /// The summary as a result, so JSON, CSV and subunit carry the final table too.
    public var result: BenchResult {
        let id = "compare.\(measurement.rawValue)" + (size.map { ".\($0)" } ?? "") + ".\(tool)"
        var r = BenchResult(test: id, tool: tool, transport: measurement.isRDMA ? .rdma : .tcp,
                            parameters: ["measurement": measurement.rawValue, "runs": String(runs),
                                         "successful_runs": String(values.count)])
        if let size { r.parameters["size"] = String(size) }
        if let baseline { r.parameters["baseline"] = baseline }
        let name = measurement.metric
        if let median, let min, let max {
            r.metrics = [Metric("\(name)_median", median, measurement.unit), Metric("\(name)_min", min, measurement.unit),
                         Metric("\(name)_max", max, measurement.unit)]
            if let ratio { r.metrics.append(Metric("ratio_to_baseline", ratio, .count)) }
        } else {
            r.status = runs == 0 ? .skip : .error
            r.reason = reason
        }
        return r
    }
}

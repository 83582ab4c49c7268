/// Human-readable report: interval lines as they come, then one block per result with every
/// metric scaled for reading (Gbit/s = 10^9 bit/s; latency is round-trip).
public final class TableReporter: Reporter {
    let output: ReportOutput
    public init(output: ReportOutput) { self.output = output }

    public func started(test: String, route: String?) {}

    public func interval(_ s: IntervalSample) {
        let span = "\(pad(Units.fixed(s.from, 2), 7))-\(pad(Units.fixed(s.to, 2), 7)) s"
        let who = s.route.map { "[\($0)]" } ?? "[sum]"
        let values = s.metrics.map { "\($0.name.replacingUnderscores) \(Units.format($0))" }.joined(separator: "  ")
        output.write("\(span)  \(pad(who, 6, left: true))  \(values)\n")
    }

    public func finished(_ r: BenchResult, route: String?) {
        var lines: [String] = []
        let who = route.map { " [stream \($0)]" } ?? ""
        let params = r.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        lines.append("\(r.test)\(who): \(r.status.rawValue)\(r.reason.map { " (\($0))" } ?? "")")
        if !params.isEmpty { lines.append("  parameters: \(params)") }
        let width = max(12, r.metrics.map { $0.name.count }.max() ?? 0)
        for m in r.metrics {
            lines.append("  \(pad(m.name.replacingUnderscores, width, left: true))  \(Units.format(m))")
        }
        output.write(lines.joined(separator: "\n") + "\n")
    }

    private func pad(_ s: String, _ n: Int, left: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, n - s.count))
        return left ? s + fill : fill + s
    }
}

extension String {
    var replacingUnderscores: String { String(map { $0 == "_" ? " " : $0 }) }
}

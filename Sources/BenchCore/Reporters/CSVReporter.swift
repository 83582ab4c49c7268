/// Long-format CSV, one row per metric, header first:
/// `event,test,route,from_s,to_s,status,metric,value,unit`. Rows are written as events happen,
/// so the file is a valid CSV at every moment; `event` is `interval` or `result`.
public final class CSVReporter: Reporter {
    let output: ReportOutput
    private let header = Mutex<Bool>(false)

    public init(output: ReportOutput) { self.output = output }

    public func started(test: String, route: String?) { writeHeaderOnce() }

    public func interval(_ s: IntervalSample) {
        let rows = s.metrics.map {
            row(["interval", s.test, s.route ?? "", Units.fixed(s.from, 3), Units.fixed(s.to, 3), "",
                 $0.name, "\($0.value)", $0.unit.rawValue])
        }
        writeHeaderOnce()
        output.write(rows.joined())
    }

    public func finished(_ r: BenchResult, route: String?) {
        let to = r.duration.map { Units.fixed($0, 3) } ?? ""
        var rows = r.metrics.map {
            row(["result", r.test, route ?? "", "0.000", to, r.status.rawValue, $0.name, "\($0.value)", $0.unit.rawValue])
        }
        if rows.isEmpty { rows = [row(["result", r.test, route ?? "", "0.000", to, r.status.rawValue, "", "", ""])] }
        writeHeaderOnce()
        output.write(rows.joined())
    }

    private func writeHeaderOnce() {
        let first = header.withLock { done -> Bool in defer { done = true }; return !done }
        if first { output.write("event,test,route,from_s,to_s,status,metric,value,unit\n") }
    }

    private func row(_ fields: [String]) -> String {
        fields.map { f in
            f.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
                ? "\"" + f.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
                : f
        }.joined(separator: ",") + "\n"
    }
}

import Synchronization

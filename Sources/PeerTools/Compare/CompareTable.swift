import BenchCore

/// The final table of `ibbench compare`: per measurement (and size), each tool's median,
/// min..max over the rounds, runs that gave a value, and the ratio to the baseline.
public enum CompareTable {
    public static func render(_ summaries: [CompareSummary], rounds: Int, settings: RunSettings) -> String {
        var out = ""
        var seen: [(Measurement, Int?)] = []
        for s in summaries {
            if !seen.contains(where: { $0.0 == s.measurement && $0.1 == s.size }) { seen.append((s.measurement, s.size)) }
        }
        for (m, size) in seen {
            let rows = summaries.filter { $0.measurement == m && $0.size == size }
            let base = rows.first { $0.ratio != nil }?.baseline
            out += "\(m.title)" + (size.map { ", \($0)-byte messages" } ?? "")
                + " (\(m.better)); \(rounds) round\(rounds == 1 ? "" : "s") of \(settings.wholeSeconds) s against \(settings.peer)\n"
            var table: [[String]] = [["tool", "median", "min .. max", "runs", "ratio to \(base ?? "baseline")"]]
            var notes: [String] = []
            for r in rows {
                if let median = r.median, let lo = r.min, let hi = r.max {
                    table.append([r.tool, format(median, m), "\(format(lo, m)) .. \(format(hi, m))",
                                  "\(r.values.count)/\(r.runs)", r.ratio.map { Units.fixed($0, 2) } ?? "-"])
                } else {
                    table.append([r.tool, r.runs == 0 ? "skipped" : "failed", "", "0/\(r.runs)", "-"])
                    if let why = r.reason { notes.append(why.hasPrefix(r.tool) ? "  \(why)" : "  \(r.tool): \(why)") }
                }
            }
            out += layout(table) + notes.map { $0 + "\n" }.joined() + "\n"
        }
        return out
    }

    static func format(_ v: Double, _ m: Measurement) -> String {
        Units.format(Metric(m.metric, v, m.unit))
    }

    static func layout(_ rows: [[String]]) -> String {
        let widths = rows[0].indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { c, cell in
                c == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[c] - cell.count)
            }.joined(separator: "  ").trimmingCharacters(" ") + "\n"
        }.joined()
    }
}

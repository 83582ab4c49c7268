#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `ibbench report` output: a table (after the stream ends, columns sized to
/// fit), or JSON lines / CSV rows written as each test finishes.
enum ReportRenderer {
    static func jsonLine(_ row: ReportRow) -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? enc.encode(row)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static let csvHeader = "test,status,duration_s,route_code,source,tool,transport,parameters,metrics,detail\n"

    /// Metrics in base units (`throughput=9410000000 bit/s`), parameters as `key=value`, `;`-separated.
    static func csvLine(_ row: ReportRow) -> String {
        let params = (row.result?.parameters ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let metrics = (row.result?.metrics ?? []).map { m in
            "\(m.name)=\(plain(m.value))" + (m.unit.rawValue.isEmpty ? "" : " \(m.unit.rawValue)")
        }
        let fields = [
            row.test, row.status, row.duration.map { Units.fixed($0, 6) } ?? "", row.routeCode ?? "", row.source ?? "",
            row.result?.tool ?? "", row.result?.transport.rawValue ?? "", params.joined(separator: ";"),
            metrics.joined(separator: ";"), row.detail ?? "",
        ]
        return fields.map(csvField).joined(separator: ",") + "\n"
    }

    /// The table, then one summary line.
    static func table(_ rows: [ReportRow], sources: [String], summary: String) -> String {
        var lines: [String] = []
        if sources.count > 1 {
            for (k, s) in sources.enumerated() { lines.append("route \(k) = \(s)") }
            lines.append("")
        }
        let header = ["TEST", "STATUS", "DURATION", "ROUTE", "RESULT"]
        let cells = rows.map { r -> [String] in
            [r.test, r.status, r.duration.map { "\(Units.fixed($0, 3)) s" } ?? "-", r.routeCode ?? "-", resultText(r)]
        }
        var widths = header.map(\.count)
        for row in cells { for (k, c) in row.enumerated() { widths[k] = Swift.max(widths[k], c.count) } }
        func line(_ c: [String]) -> String {
            var parts: [String] = []
            for k in 0..<c.count - 1 {
                let pad = String(repeating: " ", count: widths[k] - c[k].count)
                parts.append(k == 2 ? pad + c[k] : c[k] + pad)  // durations right-aligned
            }
            parts.append(c[c.count - 1])
            return parts.joined(separator: "  ").trimmingSpaces
        }
        lines.append(line(header))
        lines += cells.map(line)
        lines.append("")
        lines.append(summary)
        return lines.joined(separator: "\n") + "\n"
    }

    /// Metrics shown per row in the table; JSON and CSV carry them all.
    static let tableMetrics = 4

    /// The leading metrics scaled for reading, else the failure or skip reason.
    static func resultText(_ r: ReportRow) -> String {
        if let result = r.result, !result.metrics.isEmpty {
            var text = result.metrics.prefix(tableMetrics).map { "\($0.name) \(Units.format($0))" }.joined(separator: ", ")
            if result.metrics.count > tableMetrics { text += ", +\(result.metrics.count - tableMetrics) more" }
            return text
        }
        return r.detail ?? ""
    }

    static func plain(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : "\(v)"
    }

    static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacing("\"", with: "\"\"") + "\""
    }
}

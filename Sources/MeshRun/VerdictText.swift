import BenchCore
import Mesh

/// The verdict for a person: what was measured, what is slow, what is bad, what is missing.
enum VerdictText {
    static func lines(_ summary: MeshSummary, status: MeshExitStatus, interrupted: Bool) -> [String] {
        let a = summary.assessment
        let measured = a.results.count
        let expected = measured + a.missing.count
        var lines = ["mesh \(summary.transport): \(summary.hosts.count) hosts, \(measured) of \(expected) links measured, \(a.flagged.count) flagged: \(status.name) (exit \(status.rawValue))"]
        if let median = a.baseline.medianBandwidthBitsPerSecond {
            let latency = a.baseline.medianLatencyNanoseconds.map { ", median rtt \(Units.formatNanos($0))" } ?? ""
            lines.append("median bandwidth \(Units.formatRate(median))\(latency)")
        }
        let outcomes = Dictionary(uniqueKeysWithValues: (summary.verdict?.links ?? []).map { ($0.link, $0) })
        for flagged in a.flagged {
            let why = flagged.flags.map(\.description).joined(separator: "; ")
            let outcome = outcomes[flagged.link].map { finding -> String in
                let retest = finding.retest?.bandwidthBitsPerSecond.map { " at \(Units.formatRate($0))" } ?? ""
                return " -> retest\(retest): \(finding.outcome.name)"
            } ?? ""
            lines.append("flagged \(flagged.link): \(why)\(outcome)")
        }
        for node in summary.verdict?.nodes ?? [] {
            lines.append("node \(node.node): \(node.state.rawValue) (\(node.failed) of \(node.retests) retests failed)")
        }
        if !summary.unreachable.isEmpty { lines.append("unreachable: \(summary.unreachable.joined(separator: " "))") }
        if !a.missing.isEmpty { lines.append("not measured: \(a.missing.map(\.description).joined(separator: " "))") }
        if summary.deadlinePassed { lines.append("the --deadline passed before the run was done") }
        if interrupted { lines.append("interrupted by a signal; the results so far are written") }
        return lines
    }

    /// The one line for stderr when the run is incomplete.
    static func incomplete(_ summary: MeshSummary, interrupted: Bool) -> String {
        var why: [String] = []
        if !summary.unreachable.isEmpty { why.append("unreachable \(summary.unreachable.joined(separator: ", "))") }
        if summary.deadlinePassed { why.append("the deadline passed") }
        if interrupted { why.append("interrupted") }
        let missing = summary.assessment.missing.count
        return "mesh incomplete: \(why.isEmpty ? "not every link ran" : why.joined(separator: "; ")); \(missing) link\(missing == 1 ? "" : "s") not measured; partial results are written"
    }
}

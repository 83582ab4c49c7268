#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import BenchCore
import Mesh
import Subunit

/// How `ibbench mesh` writes its run to stdout.
public enum MeshOutputFormat: String, Sendable, CaseIterable {
    /// One line per directed link as it is measured, then the verdict.
    case table
    /// JSON lines: a `mesh` header, one `result` per directed link, a `verdict` at the end.
    case json
    /// One subunit v2 stream: a test per directed link, retests, and the verdict.
    case subunit
}

/// Writes the run as it happens, so the output is valid at every moment: each directed
/// link's result as soon as its report is in, the verdict last.
final class MeshReportWriter: Sendable {
    let format: MeshOutputFormat
    let output: ReportOutput
    let transport: String
    private let reporter: any Reporter

    init(format: MeshOutputFormat, output: ReportOutput, transport: String) {
        self.format = format
        self.output = output
        self.transport = transport
        switch format {
        case .json: reporter = JSONLinesReporter(output: output)
        case .subunit: reporter = SubunitReporter(output: output)
        case .table: reporter = TableReporter(output: output)
        }
    }

    /// `ibbench.mesh.tcp.stream.node3-node7`, `ibbench.mesh.tcp.retest.node3-node7`.
    static func testID(transport: String, test: String, link: DirectedLink) -> String {
        "ibbench.mesh.\(transport).\(test).\(link)"
    }

    func header(_ header: MeshHeader) {
        switch format {
        case .json: output.write(String(decoding: MeshDocuments.encode(header), as: UTF8.self) + "\n")
        case .table:
            let seed = header.seed.map { ", seed \($0)" } ?? ""
            output.write("mesh \(transport): \(header.hosts.count) hosts, \(header.schedule.count) rounds\(seed)\n")
            if !header.missing.isEmpty { output.write("missing (never joined): \(header.missing.joined(separator: " "))\n") }
        case .subunit: break
        }
    }

    func started(_ link: DirectedLink, phase: LinkResult.Phase, spec: MeshTestSpec) {
        reporter.started(test: testID(link, phase: phase, spec: spec), route: link.description)
    }

    func measured(_ report: PairReport, spec: MeshTestSpec) {
        let link = report.result.link
        let result = benchResult(report, spec: spec)
        if format == .table {
            let r = report.result
            let bw = r.bandwidthBitsPerSecond.map { Units.formatRate($0) } ?? "-"
            let lat = r.latencyNanoseconds.map { Units.formatNanos($0) } ?? "-"
            let round = r.round.map { "round \($0)" } ?? r.phase.rawValue
            let status = r.status == .success ? "ok" : "failed: \(r.reason ?? "")"
            output.write("\(link.from) -> \(link.to)  \(round)  \(bw)  rtt \(lat)  \(status)\n")
        } else {
            reporter.finished(result, route: link.description)
        }
    }

    /// One test per directed link: the bandwidth test's parameters and metrics, with the
    /// latency test's metrics after them, so one record carries the link.
    func benchResult(_ report: PairReport, spec: MeshTestSpec) -> BenchResult {
        let r = report.result
        var parameters = report.bandwidth?.parameters ?? [:]
        parameters["from"] = r.from
        parameters["to"] = r.to
        parameters["phase"] = r.phase.rawValue
        if let round = r.round { parameters["round"] = String(round) }
        if let latency = report.latency { parameters["latency_test"] = latency.test }
        var metrics = report.bandwidth?.metrics ?? []
        let latencyMetrics = (report.latency?.metrics ?? []).filter {
            $0.name.hasPrefix("latency_") || $0.name == "transactions_per_second"
        }
        metrics += latencyMetrics
        return BenchResult(test: testID(r.link, phase: r.phase, spec: spec), tool: "ibbench",
                           transport: spec.transport == .tcp ? .tcp : .rdma, parameters: parameters, metrics: metrics,
                           status: r.status == .success ? .success : .error, reason: r.reason,
                           started: r.started, duration: r.duration)
    }

    private func testID(_ link: DirectedLink, phase: LinkResult.Phase, spec: MeshTestSpec) -> String {
        Self.testID(transport: transport, test: phase == .mesh ? spec.bandwidthName : "retest", link: link)
    }

    /// The verdict: text lines in a table, a `verdict` JSON line, or a last subunit test
    /// (`ibbench.mesh.tcp.verdict`) that fails unless the mesh is healthy and carries
    /// `summary.json`.
    func verdict(_ summary: MeshSummary, lines: [String]) {
        let document = summary.json()
        switch format {
        case .table:
            output.write(lines.joined(separator: "\n") + "\n")
        case .json:
            output.write("{\"event\":\"verdict\",\"summary\":\(Self.oneLine(document))}\n")
        case .subunit:
            let id = "ibbench.mesh.\(transport).verdict"
            let status: BenchResult.Status = summary.exitStatus == .healthy ? .success : .fail
            let result = BenchResult(
                test: id, tool: "ibbench", transport: transport == "tcp" ? .tcp : .rdma,
                parameters: ["hosts": String(summary.hosts.count), "status": summary.exitStatus.name],
                metrics: [
                    Metric("links_measured", Double(summary.assessment.results.count), .count),
                    Metric("links_flagged", Double(summary.assessment.flagged.count), .count),
                    Metric("links_missing", Double(summary.assessment.missing.count), .count),
                ],
                status: status, reason: status == .success ? nil : lines.first, started: wallClockSeconds(), duration: 0)
            var bytes: [UInt8] = []
            let encoder = PacketEncoder()
            let now = Timestamp.now()
            let start = Packet(testID: id, status: .inProgress, timestamp: now)
            for p in [start] + Array(Attachment(name: "summary.json", mimeType: "application/json",
                                                content: Array(document.utf8)).packets(testID: id)) {
                try? encoder.encode(p, into: &bytes)   // our packets are within the limits
            }
            output.write(bytes + SubunitResults.packets(for: result, route: nil, end: now))
        }
    }

    /// Pretty-printed JSON on one line. Safe because JSON strings never hold a raw newline:
    /// every newline in the text is layout, as is the indentation after it.
    static func oneLine(_ json: String) -> String {
        var out = ""
        var skippingIndent = false
        for c in json {
            if c == "\n" { skippingIndent = true; continue }
            if skippingIndent && c == " " { continue }
            skippingIndent = false
            out.append(c)
        }
        return out
    }
}

/// The first line of `--format json`: what the run is, before any result.
struct MeshHeader: Encodable {
    var event = "mesh"
    var schema = "ibkit.mesh.run/1"
    var tool = "ibbench"
    var version = ibkitVersion
    var transport: String
    var hosts: [String]
    var seed: String?
    var mode: String
    /// Round by round, each pair as `[a, b]`.
    var schedule: [[[String]]]
    var missing: [String]
    var resumed: Int
    var spec: MeshTestSpec
    /// Rank 0's host, kernel, start time and command line, as every run header gives them.
    var run = RunHeader(tool: "ibbench", peer: nil)

    enum CodingKeys: String, CodingKey {
        case event, schema, tool, version, host, kernel, time, command, transport, hosts, seed, mode, schedule, missing,
             resumed, spec
    }

    /// Every key always there: `seed` is null for an explicit `--pairs` list.
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(event, forKey: .event)
        try c.encode(schema, forKey: .schema)
        try c.encode(tool, forKey: .tool)
        try c.encode(version, forKey: .version)
        try c.encode(run.host, forKey: .host)
        try c.encode(run.kernel, forKey: .kernel)
        try c.encode(run.time, forKey: .time)
        try c.encode(run.command, forKey: .command)
        try c.encode(transport, forKey: .transport)
        try c.encode(hosts, forKey: .hosts)
        try c.encode(seed, forKey: .seed)
        try c.encode(mode, forKey: .mode)
        try c.encode(schedule, forKey: .schedule)
        try c.encode(missing, forKey: .missing)
        try c.encode(resumed, forKey: .resumed)
        try c.encode(spec, forKey: .spec)
    }
}

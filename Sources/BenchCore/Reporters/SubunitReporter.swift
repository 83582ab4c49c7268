#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Subunit

/// A live subunit v2 stream: `inprogress` when a test starts, each interval as an
/// `application/json` attachment (`interval-<from>-<to>`), then the final status packet
/// carrying a `text/plain` summary and `result.json` (the `BenchResult`). Streams of a `-P`
/// run carry their stream number as route code.
public final class SubunitReporter: Reporter {
    let output: ReportOutput
    public init(output: ReportOutput) { self.output = output }

    public func started(test: String, route: String?) {
        output.write(SubunitResults.encode([Packet(testID: test, status: .inProgress, routeCode: route,
                                                    timestamp: .now())]))
    }

    public func interval(_ s: IntervalSample) {
        let name = "interval-\(Units.fixed(s.from, 2))-\(Units.fixed(s.to, 2))"
        let json = SubunitResults.json(s)
        let att = Attachment(name: name, mimeType: "application/json", content: json)
        output.write(SubunitResults.encode(Array(att.packets(testID: s.test, routeCode: s.route))))
    }

    public func finished(_ r: BenchResult, route: String?) {
        output.write(SubunitResults.packets(for: r, route: route))
    }
}

/// BenchResult ⇄ subunit packets: the form results take on stdout and over the control
/// connection (the server's half).
public enum SubunitResults {
    public static func status(_ s: BenchResult.Status) -> TestStatus {
        switch s {
        case .success: .success
        case .fail, .error: .fail
        case .skip: .skip
        }
    }

    /// The final packets of one result: a `summary` text attachment, then `result.json`
    /// whose last chunk carries the final status and timestamp.
    public static func packets(for r: BenchResult, route: String?) -> [UInt8] {
        let summary = Attachment(name: "summary", text: summaryText(r))
        let json = Attachment(name: "result.json", mimeType: "application/json", content: json(r))
        let end = r.started.flatMap { s in r.duration.flatMap { Timestamp(unixSeconds: s + $0) } } ?? Timestamp.now()
        var packets = Array(summary.packets(testID: r.test, routeCode: route))
        packets += json.packets(testID: r.test, status: status(r.status), routeCode: route, timestamp: end)
        return encode(packets)
    }

    /// A whole result as a stream of its own: `inprogress` then the final packets.
    public static func stream(_ results: [(BenchResult, String?)]) -> [UInt8] {
        var out: [UInt8] = []
        for (r, route) in results {
            let start = r.started.flatMap { Timestamp(unixSeconds: $0) } ?? .now()
            out += encode([Packet(testID: r.test, status: .inProgress, routeCode: route, timestamp: start)])
            out += packets(for: r, route: route)
        }
        return out
    }

    public static func summaryText(_ r: BenchResult) -> String {
        var parts = ["\(r.test): \(r.status.rawValue)"]
        if let reason = r.reason { parts[0] += " (\(reason))" }
        for m in r.metrics { parts.append("\(m.name) \(Units.format(m))") }
        return parts.joined(separator: "\n") + "\n"
    }

    static func encode(_ packets: [Packet]) -> [UInt8] {
        let encoder = PacketEncoder()
        var out: [UInt8] = []
        for p in packets { try? encoder.encode(p, into: &out) }   // our packets are within limits
        return out
    }

    static func json(_ value: some Encodable) -> [UInt8] {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        return (try? Array(enc.encode(value))) ?? []
    }
}

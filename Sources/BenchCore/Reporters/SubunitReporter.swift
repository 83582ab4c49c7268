#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Subunit
import Synchronization

/// A live subunit v2 stream: `inprogress` when a test starts, each interval as an
/// `application/json` attachment (`interval-<from>-<to>`), then the final status packet
/// carrying a `text/plain` summary and `result.json` (the `BenchResult`). Streams of a `-P`
/// run carry their stream number as route code.
///
/// Every test gets its `inprogress`, no later than its end: readers take a test's time as
/// end minus start, so a result that never started (a connect error, a `--repeat`
/// aggregate, an imported result) would otherwise show a negative time in JUnit and stestr.
public final class SubunitReporter: Reporter {
    let output: ReportOutput
    /// When each test still running (test id and route) was reported started.
    private let running = Mutex<[String: Timestamp]>([:])

    public init(output: ReportOutput) { self.output = output }

    private static func key(_ test: String, _ route: String?) -> String { test + "\u{0}" + (route ?? "") }

    public func started(test: String, route: String?) {
        let now = Timestamp.now()
        running.withLock { $0[Self.key(test, route)] = now }
        output.write(SubunitResults.encode([Packet(testID: test, status: .inProgress, routeCode: route, timestamp: now)]))
    }

    public func interval(_ s: IntervalSample) {
        let name = "interval-\(Units.fixed(s.from, 2))-\(Units.fixed(s.to, 2))"
        let json = SubunitResults.json(s)
        let att = Attachment(name: name, mimeType: "application/json", content: json)
        output.write(SubunitResults.encode(Array(att.packets(testID: s.test, routeCode: s.route))))
    }

    public func finished(_ r: BenchResult, route: String?) {
        let start = running.withLock { $0.removeValue(forKey: Self.key(r.test, route)) }
        var bytes: [UInt8] = []
        let end: Timestamp
        if let start {
            end = max(SubunitResults.end(of: r), start)
        } else {
            end = SubunitResults.end(of: r)
            bytes = SubunitResults.encode([Packet(testID: r.test, status: .inProgress, routeCode: route,
                                                  timestamp: min(SubunitResults.start(of: r) ?? end, end))])
        }
        output.write(bytes + SubunitResults.packets(for: r, route: route, end: end))
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
    public static func packets(for r: BenchResult, route: String?, end: Timestamp? = nil) -> [UInt8] {
        let summary = Attachment(name: "summary", text: summaryText(r))
        let json = Attachment(name: "result.json", mimeType: "application/json", content: json(r))
        let end = end ?? self.end(of: r)
        var packets = Array(summary.packets(testID: r.test, routeCode: route))
        packets += json.packets(testID: r.test, status: status(r.status), routeCode: route, timestamp: end)
        return encode(packets)
    }

    /// When `r` ended: its start plus its duration when it knows both, else now.
    static func end(of r: BenchResult) -> Timestamp {
        r.started.flatMap { s in r.duration.flatMap { Timestamp(unixSeconds: s + $0) } } ?? Timestamp.now()
    }

    /// When `r` started: its own record, else its duration back from now.
    static func start(of r: BenchResult) -> Timestamp? {
        if let s = r.started { return Timestamp(unixSeconds: s) }
        return r.duration.flatMap { Timestamp(unixSeconds: wallClockSeconds() - $0) }
    }

    /// A whole result as a stream of its own: `inprogress` then the final packets, the
    /// start no later than the end.
    public static func stream(_ results: [(BenchResult, String?)]) -> [UInt8] {
        var out: [UInt8] = []
        for (r, route) in results {
            let end = end(of: r)
            out += encode([Packet(testID: r.test, status: .inProgress, routeCode: route,
                                  timestamp: min(start(of: r) ?? end, end))])
            out += packets(for: r, route: route, end: end)
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

extension SubunitResults {
    /// The results carried in a subunit stream as `result.json` attachments, with their route
    /// codes, in stream order. Packets that are not results (and damaged ones) are skipped.
    public static func decode(_ bytes: [UInt8]) -> [(result: BenchResult, route: String?)] {
        var decoder = PacketDecoder()
        decoder.feed(bytes)
        decoder.endOfInput()
        var partial: [String: [UInt8]] = [:]
        var out: [(result: BenchResult, route: String?)] = []
        while let event = decoder.next() {
            guard case .packet(let p) = event, let file = p.file, file.name == "result.json" else { continue }
            let key = "\(p.testID ?? "")\u{0}\(p.routeCode ?? "")"
            partial[key, default: []] += file.content
            if p.eof, let content = partial.removeValue(forKey: key),
               let r = try? JSONDecoder().decode(BenchResult.self, from: Data(content)) {
                out.append((r, p.routeCode))
            }
        }
        return out
    }
}

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One JSON object per line, written as each event happens, so the output is valid JSON lines
/// at every moment: `{"event":"run",…}` (the `RunHeader`, when given), then
/// `{"event":"start",…}`, `{"event":"interval",…}`, `{"event":"result",…}` (a result line
/// holds every `BenchResult` field plus `event` and `route`).
public final class JSONLinesReporter: Reporter {
    let output: ReportOutput

    public init(output: ReportOutput, header: RunHeader? = nil) {
        self.output = output
        if let header { emit(header) }
    }

    struct Start: Encodable { let event = "start"; let test: String; let route: String? }
    struct Interval: Encodable {
        let event = "interval"
        let sample: IntervalSample
        func encode(to e: Encoder) throws {
            var c = e.container(keyedBy: K.self)
            try c.encode(event, forKey: .event)
            try c.encode(sample.test, forKey: .test)
            try c.encodeIfPresent(sample.route, forKey: .route)
            try c.encode(sample.from, forKey: .from)
            try c.encode(sample.to, forKey: .to)
            try c.encode(sample.metrics, forKey: .metrics)
        }
        enum K: String, CodingKey { case event, test, route, from, to, metrics }
    }
    struct Result: Encodable {
        let result: BenchResult
        let route: String?
        func encode(to e: Encoder) throws {
            var c = e.container(keyedBy: K.self)
            try c.encode("result", forKey: .event)
            try c.encodeIfPresent(route, forKey: .route)
            try result.encode(to: e)
        }
        enum K: String, CodingKey { case event, route }
    }

    public func started(test: String, route: String?) { emit(Start(test: test, route: route)) }
    public func interval(_ s: IntervalSample) { emit(Interval(sample: s)) }
    public func finished(_ r: BenchResult, route: String?) { emit(Result(result: r, route: route)) }

    private func emit(_ value: some Encodable) {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var line = try? Array(enc.encode(value)) else { return }
        line.append(UInt8(ascii: "\n"))
        output.write(line)
    }
}

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Subunit

/// One test as `ibbench report` shows it: the subunit facts, and ibkit's
/// result when the test carried one (`result.json`, application/json).
public struct ReportRow: Sendable, Equatable {
    public var test: String
    /// `success`, `fail`, `skip`, `xfail`, `uxsuccess`, or `incomplete` when the
    /// stream ended before the test did.
    public var status: String
    /// Seconds from the test's first to its last timestamp.
    public var duration: Double?
    public var routeCode: String?
    /// The input the test came from, when several were merged.
    public var source: String?
    public var tags: [String]
    /// ibkit's measurement, decoded from the `result.json` attachment.
    public var result: BenchResult?
    /// First line of the failure or skip reason, when there is one.
    public var detail: String?
    /// True for a failed, unexpectedly passed or unfinished test.
    public var failed: Bool

    /// The attachment ibkit puts its `BenchResult` in, on the test's final packet.
    public static let resultAttachmentName = "result.json"

    public init(_ record: TestRecord, source: String?) {
        test = record.testID
        status = record.isComplete ? (record.status.wireName ?? "undefined") : "incomplete"
        duration = record.duration
        routeCode = record.routeCode
        self.source = source
        tags = record.tags
        failed = record.failed
        result = record.attachment(named: Self.resultAttachmentName).flatMap {
            ResultScan.decode($0.content)
        }
        detail = result?.reason ?? Self.firstTextLine(of: record, among: ["reason", "traceback", "Parser Error"])
    }

    private static func firstTextLine(of record: TestRecord, among names: [String]) -> String? {
        for name in names {
            guard let a = record.attachment(named: name) else { continue }
            let text = String(decoding: a.content, as: UTF8.self)
            if let line = text.split(whereSeparator: \.isNewline).last(where: { !$0.allSatisfy(\.isWhitespace) }) {
                // The last line of a traceback says what went wrong; a reason is one line anyway.
                return String(line).trimmingSpaces
            }
        }
        return nil
    }
}

extension ReportRow: Encodable {
    enum CodingKeys: String, CodingKey {
        case schema, test, status, duration, routeCode = "route_code", source, tags, result, detail
    }

    /// The schema of `ibbench report --format json` lines (docs/json-output.md).
    public static let schema = "ibkit.report/1"

    /// Every key is always present (null when unknown), so each JSON line has one shape.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.schema, forKey: .schema)
        try c.encode(test, forKey: .test)
        try c.encode(status, forKey: .status)
        try c.encode(duration, forKey: .duration)
        try c.encode(routeCode, forKey: .routeCode)
        try c.encode(source, forKey: .source)
        try c.encode(tags, forKey: .tags)
        try c.encode(result, forKey: .result)
        try c.encode(detail, forKey: .detail)
    }
}

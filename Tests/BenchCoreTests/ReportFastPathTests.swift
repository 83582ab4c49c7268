import Testing
import Foundation
import Subunit
@testable import BenchCore

/// The direct paths of `ibbench report` (the result.json scan, the CSV and
/// JSON row writers) give what JSONDecoder and the String renderers give,
/// on the shapes ibkit writes and on every shape that sends them to the fallback.
@Suite struct ReportFastPathTests {
    static let results: [String] = [
        #"{"duration":5,"metrics":[{"name":"throughput","unit":"bit/s","value":9000000000}],"parameters":{"size":"65536"},"started":1700000000.25,"status":"success","test":"ibbench.tcp.stream","tool":"ibbench","transport":"tcp"}"#,
        // Any key order, whitespace JSON allows, null optionals, empty containers.
        " \n{ \"tool\" : \"netperf\",\t\"test\":\"netperf.TCP_RR\", \"transport\":\"tcp\",\r\n\"status\":\"fail\",\"reason\":null,"
            + "\"started\":null,\"parameters\":{},\"metrics\":[],\"duration\":null } \n",
        #"{"test":"t","tool":"x","transport":"rdma","status":"skip","reason":"no device","parameters":{"a":"1","b":""},"metrics":[{"value":-0.0,"unit":"","name":"m"},{"unit":"%","name":"cpu","value":1.5e2},{"name":"n","value":-12.75E-3,"unit":"us/KB"}]}"#,
        // JSONEncoder's own escapes (it writes / as \/ unless told not to).
        #"{"test":"a\"b\\c\/d\n\t\r\b\f","tool":"x\/y","transport":"tcp","status":"success","parameters":{"k\/":"v\\"},"metrics":[{"name":"throughput","unit":"bit\/s","value":9.41e9}]}"#,
        // Units, statuses and transports are matched as bytes: prefixes, extensions and escapes of them.
        #"{"test":"t","tool":"x","transport":"tcp","status":"success","parameters":{},"metrics":[{"name":"m","value":1,"unit":"bit"}]}"#,
        #"{"test":"t","tool":"x","transport":"tcp","status":"success","parameters":{},"metrics":[{"name":"m","value":1,"unit":"bit/s/"}]}"#,
        #"{"test":"t","tool":"x","transport":"tcp","status":"success","parameters":{},"metrics":[{"name":"m","value":1,"unit":"Bs"}]}"#,
        #"{"test":"t","tool":"x","transport":"tcp","status":"success","parameters":{},"metrics":[{"name":"m","value":1,"unit":"\/"}]}"#,
        #"{"test":"t","tool":"x","transport":"tcp","status":"success","parameters":{},"metrics":[{"name":"m","value":1,"unit":"n\s"}]}"#,
        #"{"test":"t","tool":"x","transport":"tcp","status":"success","parameters":{},"metrics":[{"name":"m","value":1,"unit":"bit\u002fs"}]}"#,
        #"{"test":"t","tool":"x","transport":"tcp","status":"success","parameters":{},"metrics":[{"name":"m","value":1,"unit":"ns\n"}]}"#,
        #"{"test":"t","tool":"x","transport":"tcp","status":"succes","parameters":{},"metrics":[]}"#,
        #"{"test":"t","tool":"x","transport":"tcp","status":"skipped","parameters":{},"metrics":[]}"#,
        #"{"test":"t","tool":"x","transport":"\u0074cp","status":"fail","parameters":{},"metrics":[]}"#,
        #"{"test":"t","tool":"x","transport":"rdma\"","status":"fail","parameters":{},"metrics":[]}"#,
        #"{"test":"t","tool":"x","transport":"tcp","status":"success","parameters":{},"metrics":[{"name":"m","value":1,"unit":"B"#,
        // \u escapes, non-ASCII text, numbers at the edges, unknown keys: the decoder decides.
        #"{"test":"a\"b\\c\/d\u00e9\n","tool":"x","transport":"udp","status":"error","parameters":{"k\u0041":"v"},"metrics":[]}"#,
        #"{"test":"größe","tool":"x","transport":"tcp","status":"success","parameters":{},"metrics":[]}"#,
        #"{"test":"t","tool":"x","transport":"tcp","status":"success","parameters":{},"metrics":[{"name":"big","value":1e400,"unit":"B"}]}"#,
        #"{"test":"t","tool":"x","transport":"tcp","status":"success","parameters":{},"metrics":[{"name":"long","value":0.1000000000000000055511151231257827021181583404541015625,"unit":"B"}]}"#,
        #"{"test":"t","tool":"x","transport":"tcp","status":"success","parameters":{},"metrics":[],"extra":[1,{"a":null}]}"#,
        // A key written with an escape is one the decoder reads.
        #"{"tes\u0074":"t","tool":"x","transport":"tcp","status":"success","parameters":{},"metrics":[]}"#,
        #"{"test":"t","test":"u","tool":"x","transport":"tcp","status":"success","parameters":{},"metrics":[]}"#,
        #"{"test":"t","tool":"x","transport":"tcp","status":"success","parameters":{"a":"1","a":"2"},"metrics":[]}"#,
        // Not results at all: both give nil.
        #"{"test":"t","tool":"x","transport":"ipx","status":"success","parameters":{},"metrics":[]}"#,
        #"{"test":"t","tool":"x","transport":"tcp","status":"success","metrics":[]}"#,
        #"{"test":"t","tool":"x","transport":"tcp","status":"success","parameters":{},"metrics":[]} x"#,
        #"{"test":"t","tool":"x","transport":"tcp","status":"success","parameters":{},"metrics":[{"name":"m","value":01,"unit":"B"}]}"#,
        #"{"test":"t","tool":"x","transport":"tcp","status":"success","parameters":{},"metrics":[{"name":"m","value":1.,"unit":"B"}]}"#,
        #"{"test":"t","tool":"x","transport":"tcp","status":"success","parameters":{},"metrics":[],}"#,
        "", "null", "[]", "{", #"{"test":"t"#,
    ]

    @Test(arguments: results)
    func scanAgreesWithJSONDecoder(_ json: String) {
        let bytes = Array(json.utf8)
        let decoded = try? JSONDecoder().decode(BenchResult.self, from: Data(bytes))
        let scanned = ResultScan.decode(bytes)
        #expect(scanned == decoded)
        if let scanned, let decoded {
            #expect(scanned.metrics.map(\.value.bitPattern) == decoded.metrics.map(\.value.bitPattern))
        }
    }

    @Test func scanTakesIbkitsOwnResultsWithoutTheDecoder() throws {
        let r = BenchResult(test: "ibbench.tcp.stream.65536", tool: "ibbench", transport: .tcp,
                            parameters: ["size": "65536", "streams": "1"],
                            metrics: [Metric("throughput", 9.41e9, .bitsPerSecond), Metric("rtt", 12.5, .nanoseconds)],
                            started: 1_700_000_000.123, duration: 5.001)
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let bytes = Array(try enc.encode(r))
        let scanned = bytes.withUnsafeBufferPointer { b -> BenchResult? in
            var s = ResultScan.Scanner(b)
            return s.result()
        }
        #expect(scanned == r)
    }

    static var rows: [ReportRow] {
        func row(_ test: String, result: BenchResult?, duration: Double? = 1.5, route: String? = nil,
                 source: String? = nil, tags: [String] = [], detail: String? = nil) -> ReportRow {
            var record = TestRecord(testID: test, routeCode: route, start: nil)
            record.status = .success
            record.isComplete = true
            record.tags = tags
            var r = ReportRow(record, source: source)
            r.duration = duration
            r.result = result
            r.detail = detail
            return r
        }
        let plain = BenchResult(test: "ibbench.tcp.stream", tool: "ibbench", transport: .tcp,
                                parameters: ["size": "65536", "streams": "2", "duration": "5"],
                                metrics: [Metric("throughput", 9.41e9, .bitsPerSecond), Metric("cpu", 12.5, .percent),
                                          Metric("count", 3, .count), Metric("sd", 0.25, .microsecondsPerKB)],
                                started: 1_700_000_000.5, duration: 5.000999928)
        var odd = plain
        odd.parameters = ["send_size": "1", "sendsize": "2", "send": "3", "Size": "4", "size2": "5", "a,b": "c;d"]
        odd.metrics = [Metric("tiny", 1e-7, .seconds), Metric("huge", 1.5e300, .bytes), Metric("neg", -0.0, .count),
                       Metric("int", 123_456_789_012_345, .bytes), Metric("frac", 0.1, .seconds),
                       Metric("negative", -42, .count), Metric("zero", 0, .count),
                       Metric("below 1e15", 999_999_999_999_999, .bytes), Metric("1e15", 1e15, .bytes),
                       Metric("above -1e15", -999_999_999_999_999, .bytes)]
        odd.reason = "peer said \"no\"\n\tthen\u{1}left/closed"
        odd.started = nil
        odd.duration = nil
        return [
            row("ibbench.tcp.stream", result: plain, route: "1", source: "node1.subunit", tags: ["ibbench", "tcp"]),
            row("plain, no result", result: nil, duration: nil, detail: "timeout"),
            row("quote\"d", result: odd, duration: 0.0001, detail: "line\r\nbreak"),
            row("é ü 東京", result: plain, duration: 1e-9, tags: ["a\\b"]),
            row("slash/and,comma", result: odd, duration: 12_345.678_9, route: "0/3", detail: "cr\rlf\n"),
            row("control\u{7f}\u{0}", result: nil, duration: -1, detail: ""),
            row("tiny negative", result: nil, duration: -1e-7),
            row("long", result: plain, duration: 1e13),
            row("round up", result: nil, duration: 0.9999996),
            row("not a number", result: nil, duration: .nan),
        ]
    }

    @Test(arguments: rows)
    func csvRowsAreWhatTheStringRendererWrites(_ row: ReportRow) {
        var out: [UInt8] = [1, 2]
        RowWriter.appendCSV(row, to: &out)
        #expect(out == [1, 2] + Array(ReportRenderer.csvLine(row).utf8))
    }

    @Test(arguments: rows)
    func jsonRowsAreWhatJSONEncoderWrites(_ row: ReportRow) {
        var out: [UInt8] = [1, 2]
        RowWriter.appendJSON(row, to: &out)
        #expect(String(decoding: out.dropFirst(2), as: UTF8.self) == ReportRenderer.jsonLine(row))
        #expect(out.prefix(2) == [1, 2])
    }
}

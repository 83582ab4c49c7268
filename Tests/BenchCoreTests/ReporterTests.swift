import Foundation
import Subunit
import Testing
@testable import BenchCore

@Suite struct ReporterTests {
    let result = BenchResult(test: "ibbench.tcp.stream", tool: "ibbench", transport: .tcp, parameters: ["size": "262144"],
                             metrics: [Metric("throughput", 9.5e9, .bitsPerSecond), Metric("bytes", 1.2e10, .bytes)],
                             started: 1_700_000_000, duration: 10)
    let sample = IntervalSample(test: "ibbench.tcp.stream", route: "1", from: 0, to: 1,
                                metrics: [Metric("throughput", 9e9, .bitsPerSecond)])

    @Test func jsonLinesAreEachValidJSON() throws {
        let out = ReportOutput.memory()
        let r = JSONLinesReporter(output: out)
        r.started(test: result.test, route: nil)
        r.interval(sample)
        r.finished(result, route: "0")
        let lines = out.text.split(separator: "\n")
        #expect(lines.count == 3)
        let objects = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(objects.map { $0["event"] as? String } == ["start", "interval", "result"])
        #expect(objects[2]["route"] as? String == "0")
        #expect(objects[1]["route"] as? String == "1")
        let back = try JSONDecoder().decode(BenchResult.self, from: Data(lines[2].utf8))
        #expect(back == result)
    }

    @Test func csvHasOneHeaderAndARowPerMetric() {
        let out = ReportOutput.memory()
        let r = CSVReporter(output: out)
        r.started(test: result.test, route: nil)
        r.interval(sample)
        r.finished(result, route: nil)
        let lines = out.text.split(separator: "\n").map(String.init)
        #expect(lines == [
            "event,test,route,from_s,to_s,status,metric,value,unit",
            "interval,ibbench.tcp.stream,1,0.000,1.000,,throughput,9000000000.0,bit/s",
            "result,ibbench.tcp.stream,,0.000,10.000,success,throughput,9500000000.0,bit/s",
            "result,ibbench.tcp.stream,,0.000,10.000,success,bytes,12000000000.0,B",
        ])
    }

    @Test func tableShowsScaledUnits() {
        let out = ReportOutput.memory()
        TableReporter(output: out).finished(result, route: nil)
        #expect(out.text.contains("ibbench.tcp.stream: success"))
        #expect(out.text.contains("9.50 Gbit/s"))
        #expect(out.text.contains("parameters: size=262144"))
    }

    @Test func subunitStreamCarriesInprogressIntervalsAndResult() throws {
        let out = ReportOutput.memory()
        let r = SubunitReporter(output: out)
        r.started(test: result.test, route: nil)
        r.interval(sample)
        var failed = result
        failed.status = .fail
        failed.reason = "below threshold"
        r.finished(failed, route: "2")
        var d = PacketDecoder()
        d.feed(out.bytes)
        d.endOfInput()
        var packets: [Packet] = []
        while let e = d.next() {
            guard case .packet(let p) = e else { Issue.record("not a packet: \(e)"); return }
            packets.append(p)
        }
        #expect(packets.first?.status == .inProgress)
        #expect(packets.contains { $0.file?.name == "interval-0.00-1.00" && $0.mimeType == "application/json" && $0.routeCode == "1" })
        #expect(packets.contains { $0.file?.name == "summary" && $0.mimeType?.hasPrefix("text/plain") == true })
        let last = try #require(packets.last)
        #expect(last.status == .fail && last.file?.name == "result.json" && last.routeCode == "2")
        let decoded = SubunitResults.decode(out.bytes)
        #expect(decoded.count == 1)
        #expect(decoded.first?.result == failed && decoded.first?.route == "2")
    }
}

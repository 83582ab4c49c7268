import BenchCore
import Synchronization
import Testing
@testable import PeerTools

/// A runner with scripted values: round k of a measurement gives `values[k-1]`.
final class CallLog: Sendable {
    let entries = Mutex<[String]>([])
    var all: [String] { entries.withLock { $0 } }
}

final class ScriptedRunner: MeasurementRunner {
    let tool: String
    let values: [Double]
    let missing: String?
    let calls = Mutex<[String]>([])
    let log: CallLog

    init(_ tool: String, _ values: [Double], missing: String? = nil, log: CallLog = CallLog()) {
        self.tool = tool
        self.values = values
        self.missing = missing
        self.log = log
    }

    func supports(_ m: Measurement) -> Bool { !m.isRDMA }
    func unavailable() -> String? { missing }

    func run(_ m: Measurement, _ s: RunSettings) -> BenchResult {
        let n = calls.withLock { $0.append(m.rawValue); return $0.filter { $0 == m.rawValue }.count }
        log.entries.withLock { $0.append(tool) }
        let v = values[(n - 1) % values.count]
        if v < 0 {
            return BenchResult(test: "\(tool).x", tool: tool, transport: .tcp, status: .error, reason: "\(tool): lost peer")
        }
        let metric = Metric(m.metric, v * (s.size.map(Double.init) ?? 1), m.unit)
        return BenchResult(test: "\(tool).x", tool: tool, transport: .tcp, metrics: [metric])
    }
}

final class CollectingReporter: Reporter {
    let events = Mutex<[String]>([])
    func started(test: String, route: String?) { events.withLock { $0.append("start \(test) \(route ?? "-")") } }
    func interval(_ sample: IntervalSample) {}
    func finished(_ r: BenchResult, route: String?) {
        events.withLock { $0.append("end \(r.test) \(route ?? "-") \(r.status.rawValue)") }
    }
}

@Suite struct CompareTests {
    let settings = RunSettings(peer: "127.0.0.1", duration: 1)

    @Test func roundsInterleaveAndRotateTheStartingTool() {
        let log = CallLog()
        let c = Comparison(runners: [ScriptedRunner("ibbench", [1], log: log), ScriptedRunner("netperf", [1], log: log),
                                     ScriptedRunner("iperf3", [1], log: log)],
                           measurements: [.tcpStream], rounds: 3, settings: settings)
        _ = c.run()
        #expect(log.all == ["ibbench", "netperf", "iperf3", "netperf", "iperf3", "ibbench",
                                        "iperf3", "ibbench", "netperf"])
    }

    @Test func summaryHasMedianMinMaxAndRatioToNetperf() {
        let c = Comparison(runners: [ScriptedRunner("ibbench", [9e9, 11e9, 10e9]), ScriptedRunner("netperf", [4e9, 5e9, 6e9])],
                           measurements: [.tcpStream], rounds: 3, settings: settings)
        let s = c.run()
        let ib = s.first { $0.tool == "ibbench" }!, np = s.first { $0.tool == "netperf" }!
        #expect(ib.median == 10e9 && ib.min == 9e9 && ib.max == 11e9)
        #expect(ib.ratio == 2 && np.ratio == 1)
        #expect(ib.baseline == "netperf")
        let table = CompareTable.render(s, rounds: 3, settings: settings)
        #expect(table.contains("ratio to netperf"))
        #expect(table.contains("ibbench  10.00 Gbit/s  9.00 Gbit/s .. 11.00 Gbit/s  3/3   2.00"), "\(table)")
    }

    @Test func withoutNetperfTheFirstToolWithResultsIsTheBaseline() {
        let c = Comparison(runners: [ScriptedRunner("netperf", [1], missing: "netperf not found on PATH; build it"),
                                     ScriptedRunner("ibbench", [-1]), ScriptedRunner("iperf3", [2e9]), ScriptedRunner("qperf", [3e9])],
                           measurements: [.tcpStream], rounds: 2, settings: settings)
        let s = c.run()
        #expect(s.first { $0.tool == "qperf" }?.ratio == 1.5)
        #expect(s.first { $0.tool == "qperf" }?.baseline == "iperf3")
        #expect(s.first { $0.tool == "ibbench" }?.ratio == nil)
        #expect(s.first { $0.tool == "netperf" }?.runs == 0)
        let table = CompareTable.render(s, rounds: 2, settings: settings)
        #expect(table.contains("netperf  skipped"))
        #expect(table.contains("ibbench  failed"))
        #expect(table.contains("ibbench: lost peer"))
    }

    @Test func everyRunIsOneTestRoutedByTool() {
        let reporter = CollectingReporter()
        let c = Comparison(runners: [ScriptedRunner("ibbench", [1]), ScriptedRunner("netperf", [2], missing: "no netperf")],
                           measurements: [.tcpLatency], rounds: 2, settings: settings)
        _ = c.run(reporter: reporter)
        #expect(reporter.events.withLock { $0 } == [
            "start netperf.tcp_rr netperf", "end netperf.tcp_rr netperf skip",
            "start ibbench.tcp_rr.round1 ibbench", "end ibbench.tcp_rr.round1 ibbench success",
            "start ibbench.tcp_rr.round2 ibbench", "end ibbench.tcp_rr.round2 ibbench success",
            "start compare.tcp_rr.netperf netperf", "end compare.tcp_rr.netperf netperf skip",
            "start compare.tcp_rr.ibbench ibbench", "end compare.tcp_rr.ibbench ibbench success",
        ])
    }

    @Test func sweepKeepsEverySizeAndPlotsOneLinePerTool() {
        let c = Comparison(runners: [ScriptedRunner("ibbench", [1e6]), ScriptedRunner("netperf", [2e6])],
                           measurements: [.tcpStream, .tcpLatency], rounds: 1, settings: settings, sizes: [64, 1024, 65536])
        let s = c.run()
        #expect(s.count == 12)
        #expect(s.filter { $0.measurement == .tcpStream }.compactMap(\.size) == [64, 64, 1024, 1024, 65536, 65536])
        let svg = SweepPlot.render(s)
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 4, "two charts, two tools each")
        #expect(svg.contains(">ibbench</text>") && svg.contains(">netperf</text>"))
        #expect(svg.contains("TCP stream throughput vs message size"))
        #expect(svg.contains(">64K</text>"))
        #expect(!svg.contains("http://") || svg.components(separatedBy: "http://").count == 2, "no external references")
    }

    @Test func summariesBecomeResultsForMachineFormats() {
        let s = CompareSummary(measurement: .tcpLatency, size: nil, tool: "qperf", values: [3000, 1000, 2000], runs: 4,
                               ratio: 0.5, baseline: "netperf")
        let r = s.result
        #expect(r.test == "compare.tcp_rr.qperf")
        #expect(r.metric("latency_mean_median") == Metric("latency_mean_median", 2000, .nanoseconds))
        #expect(r.metric("ratio_to_baseline")?.value == 0.5)
        #expect(r.parameters["successful_runs"] == "3")
    }
}

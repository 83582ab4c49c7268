import BenchCore
import OrderedJSON

/// perftest's `--out_json` file. perftest 4.5 writes it with bare keys, bare string values
/// and trailing commas (not valid JSON); it is read leniently. The file carries no units:
/// bandwidth is taken as MiB/s (perftest's default report) unless `gbits` says the run used
/// `--report_gbits`; latencies are microseconds as in the text report.
public enum PerftestJSON {
    public static func parse(_ text: String, gbits: Bool = false) throws(PeerToolError) -> [BenchResult] {
        let doc: JSONValue
        do {
            doc = try LenientJSONParser.parse(text)
        } catch {
            throw .line(.perftest, error.line, error.text, expected: "perftest --out_json output (\(error.expected))")
        }
        guard let info = doc["test_info"], let title = info["test"]?.string,
              let test = PerftestTest(title: Substring(title)) else {
            throw PeerToolError(.perftest, .noResult(expected: "test_info.test naming the perftest test"))
        }
        let rows: [JSONValue]
        switch doc["results"] {
        case .array(let a)?: rows = a
        case let v?: rows = [v]
        case nil: throw PeerToolError(.perftest, .noResult(expected: "a results object"))
        }
        var results: [BenchResult] = []
        for row in rows {
            var r = BenchResult(test: "perftest.\(test.program)", tool: "perftest", transport: .rdma)
            for (key, name) in [("Device", "device"), ("Connection_type", "connection_type"), ("Mtu", "mtu"),
                                ("Link_type", "link_type"), ("Number_of_qps", "qps"), ("rdma_cm_QPs", "rdma_cm")] {
                if let v = info[key]?.string { r.parameters[name] = v }
            }
            guard let size = row["MsgSize"]?.numeric.flatMap(Number.whole) else {
                throw PeerToolError(.perftest, .noResult(expected: "results.MsgSize, a whole number of bytes"))
            }
            r.parameters["size"] = String(size)
            if let n = row["n_iterations"]?.numeric {
                guard let whole = Number.whole(n) else {
                    throw PeerToolError(.perftest, .noResult(expected: "results.n_iterations, a whole number"))
                }
                r.parameters["iterations"] = String(whole)
            }
            if test.isLatency {
                let factor = test.reportsOneWay ? 2.0 : 1.0
                let names = [("t_min", "min"), ("t_typical", "p50"), ("t_avg", "mean"), ("percentile_99", "p99"),
                             ("percentile_99.9", "p99_9"), ("t_max", "max"), ("t_stdev", "stddev")]
                for (key, name) in names {
                    if let v = row[key]?.numeric { r.metrics.append(Metric("latency_\(name)", v * 1000 * factor, .nanoseconds)) }
                }
                if test.reportsOneWay {
                    for (key, name) in names {
                        if let v = row[key]?.numeric { r.metrics.append(Metric("latency_one_way_\(name)", v * 1000, .nanoseconds)) }
                    }
                }
                guard r.metric("latency_mean") != nil else {
                    throw PeerToolError(.perftest, .noResult(expected: "results.t_avg"))
                }
            } else {
                let scale = gbits ? 1e9 : 8 * 1024 * 1024
                guard let avg = row["BW_average"]?.numeric else {
                    throw PeerToolError(.perftest, .noResult(expected: "results.BW_average"))
                }
                r.metrics.append(Metric("throughput", avg * scale, .bitsPerSecond))
                if let peak = row["BW_peak"]?.numeric { r.metrics.append(Metric("throughput_peak", peak * scale, .bitsPerSecond)) }
                if let rate = row["MsgRate"]?.numeric { r.metrics.append(Metric("messages_per_second", rate * 1e6, .perSecond)) }
            }
            results.append(r)
        }
        if results.count > 1 {
            for i in results.indices { results[i].test += "." + (results[i].parameters["size"] ?? String(i)) }
        }
        return results
    }
}

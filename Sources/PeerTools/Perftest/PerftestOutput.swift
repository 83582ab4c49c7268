import BenchCore

/// perftest's report (`ib_write_bw`, `ib_send_lat`, … as the client prints it): a settings
/// block, the connection block, then a `#bytes …` header and one row per message size
/// (several with `-a`). Bandwidth in `MB/sec` is MiB/s (2^20 bytes), `Gb/sec` is 10^9 bit/s
/// (`--report_gbits`); latencies are microseconds, one-way for write/send (perftest halves
/// the round trip), round trip for read/atomic.
public enum PerftestOutput {
    public static func parse(_ text: String) throws(PeerToolError) -> [BenchResult] {
        let lines = OutputLines(text).nonBlank
        var test: PerftestTest?
        var settings: [String: String] = [:]
        var header: OutputLines.Line?
        var results: [BenchResult] = []
        var failure: String?
        for line in lines {
            let t = line.trimmed
            if t.allSatisfy({ $0 == "-" }) { continue }
            if test == nil, header == nil, let found = PerftestTest(title: t) { test = found; continue }
            if t.hasPrefix("#bytes") { header = line; continue }
            if let h = header, let first = line.fields.first, Number.parse(first) != nil {
                guard let test else {
                    throw .line(.perftest, line.number, line.text, expected: "the test title (e.g. \"RDMA_Write BW Test\") first")
                }
                results.append(try row(line, header: h, test: test, settings: settings))
                continue
            }
            if header == nil, t.contains(":") {
                // " Dual-port       : OFF\t\tDevice         : rxe0" holds two settings per line.
                for part in t.split(separator: "\t", omittingEmptySubsequences: true) {
                    guard let c = part.firstIndex(of: ":") else { continue }
                    settings[String(part[..<c].trimmingBlanks)] = String(part[part.index(after: c)...].trimmingBlanks)
                }
                continue
            }
            let lower = t.lowercased()
            if failure == nil, lower.contains("couldn't") || lower.contains("unable") || lower.contains("failed")
                || lower.hasPrefix("error") {
                failure = String(t)
            }
        }
        if results.isEmpty {
            if let failure {
                return [BenchResult(test: "perftest.\(test?.program ?? "unknown")", tool: "perftest",
                                    transport: .rdma, status: .error, reason: "perftest: \(failure)")]
            }
            throw PeerToolError(.perftest, .noResult(expected: "a \"#bytes #iterations …\" header and a result row"))
        }
        if results.count > 1 {
            for i in results.indices { results[i].test += "." + (results[i].parameters["size"] ?? String(i)) }
        }
        return results
    }

    static func row(_ line: OutputLines.Line, header: OutputLines.Line, test: PerftestTest,
                    settings: [String: String]) throws(PeerToolError) -> BenchResult {
        var values: [Double?] = []
        for f in line.fields {
            if f == "-nan" || f == "nan" { values.append(nil); continue }
            guard let v = Number.parse(f) else {
                throw .line(.perftest, line.number, line.text, expected: "a row of numbers under the #bytes header")
            }
            values.append(v)
        }
        var r = BenchResult(test: "perftest.\(test.program)", tool: "perftest", transport: .rdma)
        for (key, name) in [("Device", "device"), ("Connection type", "connection_type"), ("Mtu", "mtu"),
                            ("Link type", "link_type"), ("Number of qps", "qps"), ("rdma_cm QPs", "rdma_cm")] {
            if let v = settings[key] { r.parameters[name] = v.hasSuffix("[B]") ? String(v.dropLast(3)) : v }
        }
        let h = header.text
        if test.isLatency {
            // #bytes #iterations t_min t_max t_typical t_avg t_stdev 99% 99.9%  (usec)
            guard values.count >= 7, let size = values[0], let iterations = values[1] else {
                throw .line(.perftest, line.number, line.text,
                            expected: "#bytes #iterations t_min t_max t_typical t_avg t_stdev [99% 99.9%]")
            }
            try setSizeAndIterations(size, iterations, of: line, in: &r)
            let names = ["min", "max", "typical", "avg", "stddev", "p99", "p99_9"]
            let factor = test.reportsOneWay ? 2.0 : 1.0
            var oneWay: [Metric] = []
            for (k, name) in names.enumerated() where k + 2 < values.count {
                guard let v = values[k + 2] else { continue }
                let metricName = ["typical": "p50", "avg": "mean"][name] ?? name
                r.metrics.append(Metric("latency_\(metricName)", v * 1000 * factor, .nanoseconds))
                if test.reportsOneWay { oneWay.append(Metric("latency_one_way_\(metricName)", v * 1000, .nanoseconds)) }
            }
            r.metrics.append(contentsOf: oneWay)
        } else {
            // #bytes #iterations BW peak[UNIT] BW average[UNIT] MsgRate[Mpps]
            guard values.count >= 5, let size = values[0], let iterations = values[1],
                  let peak = values[2], let avg = values[3] else {
                throw .line(.perftest, line.number, line.text,
                            expected: "#bytes #iterations BW-peak BW-average MsgRate")
            }
            let scale: Double
            if h.contains("[Gb/sec]") { scale = 1e9 }
            else if h.contains("[MB/sec]") { scale = 8 * 1024 * 1024 }
            else {
                throw .line(.perftest, header.number, header.text, expected: "bandwidth in [MB/sec] or [Gb/sec]")
            }
            try setSizeAndIterations(size, iterations, of: line, in: &r)
            r.metrics.append(Metric("throughput", avg * scale, .bitsPerSecond))
            r.metrics.append(Metric("throughput_peak", peak * scale, .bitsPerSecond))
            if let rate = values[4] { r.metrics.append(Metric("messages_per_second", rate * 1e6, .perSecond)) }
        }
        return r
    }

    static func setSizeAndIterations(_ size: Double, _ iterations: Double, of line: OutputLines.Line,
                                     in r: inout BenchResult) throws(PeerToolError) {
        guard let s = Number.whole(size), let n = Number.whole(iterations) else {
            throw .line(.perftest, line.number, line.text, expected: "#bytes and #iterations as whole numbers")
        }
        r.parameters["size"] = String(s)
        r.parameters["iterations"] = String(n)
    }
}

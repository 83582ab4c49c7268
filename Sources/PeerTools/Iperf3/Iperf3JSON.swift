import BenchCore
import OrderedJSON

/// `iperf3 --json` output (one document). iperf3 exits 0 even when the test never ran and
/// puts the failure in an `"error"` member: that becomes a result with status `error`.
public enum Iperf3JSON {
    public static func parse(_ text: String) throws(PeerToolError) -> [BenchResult] {
        let doc: JSONValue
        do {
            doc = try LenientJSONParser.parse(text)
        } catch {
            throw .line(.iperf3, error.line, error.text, expected: "iperf3 --json output (\(error.expected))")
        }
        guard case .object = doc else {
            throw PeerToolError(.iperf3, .noResult(expected: "a JSON object with start, intervals and end"))
        }
        let start = doc["start"]?["test_start"]
        let proto = (start?["protocol"]?.string ?? "TCP").lowercased()
        let reverse = start?["reverse"]?.bool ?? false
        let bidir = start?["bidir"]?.bool ?? false
        var result = BenchResult(test: "iperf3.\(proto)" + (reverse ? ".reverse" : bidir ? ".bidir" : ""),
                                 tool: "iperf3", transport: proto == "udp" ? .udp : .tcp)
        if let s = start {
            for (key, name) in [("num_streams", "streams"), ("blksize", "send_size"), ("duration", "duration")] {
                if let v = s[key]?.string { result.parameters[name] = v }
            }
        }
        if let host = doc["start"]?["connecting_to"]?["host"]?.string { result.parameters["peer"] = host }
        if let t = doc["start"]?["timestamp"]?["timesecs"]?.numeric { result.started = t }
        if let message = doc["error"]?.string {
            result.status = .error
            result.reason = "iperf3: \(message)"
            return [result]
        }
        guard let end = doc["end"], let received = end["sum_received"] ?? end["sum"],
              let bps = received["bits_per_second"]?.numeric else {
            throw PeerToolError(.iperf3, .noResult(expected: "end.sum_received.bits_per_second (a finished test)"))
        }
        // What arrived is the throughput; the sender's view is kept beside it.
        result.metrics.append(Metric("throughput", bps, .bitsPerSecond))
        if let sent = end["sum_sent"]?["bits_per_second"]?.numeric {
            result.metrics.append(Metric("throughput_sent", sent, .bitsPerSecond))
        }
        if let bytes = received["bytes"]?.numeric { result.metrics.append(Metric("bytes", bytes, .bytes)) }
        result.duration = received["seconds"]?.numeric
        if let r = end["sum_sent"]?["retransmits"]?.numeric { result.metrics.append(Metric("retransmits", r, .count)) }
        if let j = received["jitter_ms"]?.numeric, proto == "udp" {
            result.metrics.append(Metric("jitter", j * 1e6, .nanoseconds))
            if let lost = received["lost_packets"]?.numeric { result.metrics.append(Metric("datagrams_lost", lost, .count)) }
            if let p = received["packets"]?.numeric { result.metrics.append(Metric("datagrams_sent", p, .count)) }
            if let l = received["lost_percent"]?.numeric { result.metrics.append(Metric("loss", l, .percent)) }
        }
        if let cpu = end["cpu_utilization_percent"] {
            if let h = cpu["host_total"]?.numeric { result.metrics.append(Metric("local_cpu_util", h, .percent)) }
            if let r = cpu["remote_total"]?.numeric { result.metrics.append(Metric("remote_cpu_util", r, .percent)) }
        }
        return [result]
    }
}

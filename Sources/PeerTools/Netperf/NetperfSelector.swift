import BenchCore

/// The omni output selectors ibbench understands, with the column title netperf
/// prints for each in `-o` (CSV) and `-O` (human) output (the four header rows of
/// `set_output_elt` in nettest_omni.c, joined by single spaces).
enum NetperfSelector: String, CaseIterable {
    case THROUGHPUT, THROUGHPUT_UNITS, ELAPSED_TIME, PROTOCOL, DIRECTION
    case LOCAL_SEND_SIZE, LOCAL_RECV_SIZE, REMOTE_RECV_SIZE, REQUEST_SIZE, RESPONSE_SIZE
    case LSS_SIZE_END, LSR_SIZE_END, RSS_SIZE_END, RSR_SIZE_END
    case CONFIDENCE_LEVEL, CONFIDENCE_INTERVAL, CONFIDENCE_ITERATION, THROUGHPUT_CONFID
    case TRANSACTION_RATE, RT_LATENCY
    case MIN_LATENCY, MEAN_LATENCY, P50_LATENCY, P90_LATENCY, P99_LATENCY, MAX_LATENCY, STDDEV_LATENCY
    case LOCAL_CPU_UTIL, REMOTE_CPU_UTIL, LOCAL_SD, REMOTE_SD
    case LOCAL_TRANSPORT_RETRANS

    var columnTitle: String {
        switch self {
        case .THROUGHPUT: "Throughput"
        case .THROUGHPUT_UNITS: "Throughput Units"
        case .ELAPSED_TIME: "Elapsed Time (sec)"
        case .PROTOCOL: "Protocol"
        case .DIRECTION: "Direction"
        case .LOCAL_SEND_SIZE: "Local Send Size"
        case .LOCAL_RECV_SIZE: "Local Recv Size"
        case .REMOTE_RECV_SIZE: "Remote Recv Size"
        case .REQUEST_SIZE: "Request Size Bytes"
        case .RESPONSE_SIZE: "Response Size Bytes"
        case .LSS_SIZE_END: "Local Send Socket Size Final"
        case .LSR_SIZE_END: "Local Recv Socket Size Final"
        case .RSS_SIZE_END: "Remote Send Socket Size Final"
        case .RSR_SIZE_END: "Remote Recv Socket Size Final"
        case .CONFIDENCE_LEVEL: "Confidence Level Percent"
        case .CONFIDENCE_INTERVAL: "Confidence Width Target"
        case .CONFIDENCE_ITERATION: "Confidence Iterations Run"
        case .THROUGHPUT_CONFID: "Throughput Confidence Width (%)"
        case .TRANSACTION_RATE: "Transaction Rate Tran/s"
        case .RT_LATENCY: "Round Trip Latency usec/tran"
        case .MIN_LATENCY: "Minimum Latency Microseconds"
        case .MEAN_LATENCY: "Mean Latency Microseconds"
        case .P50_LATENCY: "50th Percentile Latency Microseconds"
        case .P90_LATENCY: "90th Percentile Latency Microseconds"
        case .P99_LATENCY: "99th Percentile Latency Microseconds"
        case .MAX_LATENCY: "Maximum Latency Microseconds"
        case .STDDEV_LATENCY: "Stddev Latency Microseconds"
        case .LOCAL_CPU_UTIL: "Local CPU Util %"
        case .REMOTE_CPU_UTIL: "Remote CPU Util %"
        case .LOCAL_SD: "Local Service Demand"
        case .REMOTE_SD: "Remote Service Demand"
        case .LOCAL_TRANSPORT_RETRANS: "Local Transport Retransmissions"
        }
    }

    static func titled(_ title: String) -> NetperfSelector? { byTitle[title] }
    private static let byTitle = Dictionary(uniqueKeysWithValues: allCases.map { ($0.columnTitle, $0) })

    /// What the runner asks for: throughput tests and request/response tests.
    static let streamSet: [NetperfSelector] = [
        .THROUGHPUT, .THROUGHPUT_UNITS, .ELAPSED_TIME, .PROTOCOL, .DIRECTION, .LOCAL_SEND_SIZE,
        .CONFIDENCE_LEVEL, .THROUGHPUT_CONFID,
    ]
    static let requestResponseSet: [NetperfSelector] = [
        .TRANSACTION_RATE, .ELAPSED_TIME, .PROTOCOL, .REQUEST_SIZE, .RESPONSE_SIZE,
        .MIN_LATENCY, .MEAN_LATENCY, .P50_LATENCY, .P90_LATENCY, .P99_LATENCY, .MAX_LATENCY, .STDDEV_LATENCY,
    ]
}

/// Omni values by selector, turned into a result.
struct NetperfOmniValues {
    var values: [NetperfSelector: Substring] = [:]

    /// A number, or nil when netperf printed its "unset" markers (-1, -nan, Deprecated).
    func number(_ s: NetperfSelector) -> Double? {
        guard let text = values[s], let v = Number.parse(text), v != -1 else { return nil }
        return v
    }

    func text(_ s: NetperfSelector) -> String? { values[s].map { String($0.trimmingBlanks) } }

    /// A size or count as parameter text; nil when unset, an error when no `Int` holds it.
    func whole(_ s: NetperfSelector, line: Int) throws(PeerToolError) -> String? {
        guard let v = number(s) else { return nil }
        guard let n = Number.whole(v) else {
            throw .line(.netperf, line, values[s] ?? "", expected: "\(s.rawValue) as a whole number")
        }
        return String(n)
    }

    /// Adds what the values say to `result`: parameters, duration and metrics in base units.
    func apply(to result: inout BenchResult, throughputLine: Int) throws(PeerToolError) {
        if let p = text(.PROTOCOL) { result.parameters["protocol"] = p }
        if let d = text(.DIRECTION) { result.parameters["direction"] = d }
        for (sel, name) in [(NetperfSelector.LOCAL_SEND_SIZE, "send_size"), (.LOCAL_RECV_SIZE, "recv_size"),
                            (.REMOTE_RECV_SIZE, "remote_recv_size"), (.REQUEST_SIZE, "request_size"),
                            (.RESPONSE_SIZE, "response_size"), (.LSS_SIZE_END, "local_send_socket_size"),
                            (.LSR_SIZE_END, "local_recv_socket_size"), (.RSS_SIZE_END, "remote_send_socket_size"),
                            (.RSR_SIZE_END, "remote_recv_socket_size")] {
            if let n = try whole(sel, line: throughputLine) { result.parameters[name] = n }
        }
        if let e = number(.ELAPSED_TIME) { result.duration = e }
        if let level = number(.CONFIDENCE_LEVEL), level > 0, let l = try whole(.CONFIDENCE_LEVEL, line: throughputLine) {
            result.parameters["confidence_level"] = l
            if let w = text(.CONFIDENCE_INTERVAL) { result.parameters["confidence_width_target"] = w }
            if let i = try whole(.CONFIDENCE_ITERATION, line: throughputLine) { result.parameters["confidence_iterations"] = i }
        }
        if let t = number(.THROUGHPUT) {
            let units = text(.THROUGHPUT_UNITS) ?? "10^6bits/s"
            switch NetperfUnits.throughput(units) {
            case .bits(let scale): result.metrics.append(Metric("throughput", t * scale, .bitsPerSecond))
            case .transactions: result.metrics.append(Metric("transactions_per_second", t, .perSecond))
            case nil:
                throw PeerToolError.line(.netperf, throughputLine, Substring(units),
                                         expected: "throughput units such as 10^6bits/s or Trans/s")
            }
        }
        if let level = number(.CONFIDENCE_LEVEL), level > 0, let c = number(.THROUGHPUT_CONFID) {
            result.metrics.append(Metric("throughput_confidence_width", c, .percent))
        }
        if let r = number(.TRANSACTION_RATE), result.metric("transactions_per_second") == nil {
            result.metrics.append(Metric("transactions_per_second", r, .perSecond))
        }
        // Omni latencies are microseconds, round trip.
        for (sel, name) in [(NetperfSelector.MIN_LATENCY, "latency_min"), (.MEAN_LATENCY, "latency_mean"),
                            (.P50_LATENCY, "latency_p50"), (.P90_LATENCY, "latency_p90"),
                            (.P99_LATENCY, "latency_p99"), (.MAX_LATENCY, "latency_max"),
                            (.STDDEV_LATENCY, "latency_stddev")] {
            if let v = number(sel) { result.metrics.append(Metric(name, v * 1000, .nanoseconds)) }
        }
        if result.metric("latency_mean") == nil, let rt = number(.RT_LATENCY) {
            result.metrics.append(Metric("latency_mean", rt * 1000, .nanoseconds))
        }
        for (sel, name) in [(NetperfSelector.LOCAL_CPU_UTIL, "local_cpu_util"), (.REMOTE_CPU_UTIL, "remote_cpu_util")] {
            if let v = number(sel), v >= 0 { result.metrics.append(Metric(name, v, .percent)) }
        }
        for (sel, name) in [(NetperfSelector.LOCAL_SD, "service_demand_local"), (.REMOTE_SD, "service_demand_remote")] {
            if let v = number(sel), v >= 0 { result.metrics.append(Metric(name, v, .microsecondsPerKB)) }
        }
        if let r = number(.LOCAL_TRANSPORT_RETRANS) { result.metrics.append(Metric("retransmits", r, .count)) }
    }
}

enum NetperfUnits {
    enum Throughput: Equatable { case bits(Double), transactions }

    /// netperf's `-f` units: `10^6bits/s` (and `/sec`), `10^9bits`, `10^3bits`, `bits`,
    /// `GBytes`/`MBytes`/`KBytes` (2^30/2^20/2^10 bytes), `Trans/s`, `Tran/s`.
    static func throughput(_ text: String) -> Throughput? {
        var t = Substring(text)
        for suffix in ["/sec", "/s"] where t.hasSuffix(suffix) { t = t.dropLast(suffix.count) }
        if t == "Trans" || t == "Tran" { return .transactions }
        if t.hasPrefix("10^"), t.hasSuffix("bits"), let exp = Int(t.dropFirst(3).dropLast(4)), (0...12).contains(exp) {
            var scale = 1.0
            for _ in 0..<exp { scale *= 10 }
            return .bits(scale)
        }
        switch t {
        case "bits": return .bits(1)
        case "Bytes": return .bits(8)
        case "KBytes": return .bits(8 * 1024)
        case "MBytes": return .bits(8 * 1024 * 1024)
        case "GBytes": return .bits(8 * 1024 * 1024 * 1024)
        default: return nil
        }
    }
}

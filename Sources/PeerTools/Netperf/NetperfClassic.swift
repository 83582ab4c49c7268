import BenchCore

/// The classic result tables (the shape netperf printed before omni, still printed for
/// MIGRATED tests without `-o/-O/-k`).
enum ClassicShape {
    /// TCP_STREAM / TCP_MAERTS: recv socket, send socket, message size, elapsed, throughput
    /// [, local util, remote util, local SD, remote SD].
    case stream
    /// TCP_RR: local send/recv socket, request, response, elapsed, rate [, utils, SDs];
    /// then a short line with the remote socket sizes.
    case requestResponse
    /// UDP_STREAM: send line (socket, message, elapsed, okay, errors, throughput), then the
    /// receive line (socket, elapsed, okay, throughput).
    case udpStream

    init?(_ body: [OutputLines.Line]) {
        let first = body[0].fields
        if first.starts(with: ["Recv", "Send", "Send"]) { self = .stream; return }
        if first.starts(with: ["Local", "/Remote"]) { self = .requestResponse; return }
        if first.starts(with: ["Socket", "Message", "Elapsed"]) { self = .udpStream; return }
        // -P 0: no headers, only numbers; the field count tells the table.
        guard body.allSatisfy({ $0.fields.allSatisfy { Number.parse($0) != nil } }) else { return nil }
        switch first.count {
        case 5, 9: self = .stream
        case 6, 10: self = body.count == 2 && body[1].fields.count == 4 ? .udpStream : .requestResponse
        default: return nil
        }
    }
}

extension NetperfOutput {
    static func parseClassic(_ body: [OutputLines.Line], shape: ClassicShape,
                             into result: inout BenchResult) throws(PeerToolError) {
        // Header rows hold no digits-first fields; data rows are all numbers.
        let headers = body.prefix { !isDataRow($0) }
        let data = Array(body.dropFirst(headers.count))
        guard let first = data.first else {
            let last = body[body.count - 1]
            throw .line(.netperf, last.number, last.text, expected: "a row of numbers under the column headers")
        }
        let units = headers.flatMap { $0.fields }.first { f in
            (f.hasPrefix("10^") || f.hasSuffix("/s") || f.hasSuffix("/sec")) && NetperfUnits.throughput(String(f)) != nil
        }.map(String.init) ?? "10^6bits/s"
        let f = try numbers(first)

        switch shape {
        case .stream:
            guard f.count == 5 || f.count == 9 else {
                throw .line(.netperf, first.number, first.text,
                            expected: "5 numbers (recv socket, send socket, message size, elapsed, throughput) or 9 with -c -C")
            }
            result.parameters["remote_recv_socket_size"] = try int(f[0], first)
            result.parameters["local_send_socket_size"] = try int(f[1], first)
            result.parameters["send_size"] = try int(f[2], first)
            result.duration = f[3]
            try appendThroughput(f[4], units: units, line: first, to: &result)
            if f.count == 9 { appendCPU(f[5...8], to: &result) }
        case .requestResponse:
            guard f.count == 6 || f.count == 10 else {
                throw .line(.netperf, first.number, first.text,
                            expected: "6 numbers (send socket, recv socket, request, response, elapsed, rate) or 10 with -c -C")
            }
            result.parameters["local_send_socket_size"] = try int(f[0], first)
            result.parameters["local_recv_socket_size"] = try int(f[1], first)
            result.parameters["request_size"] = try int(f[2], first)
            result.parameters["response_size"] = try int(f[3], first)
            result.duration = f[4]
            result.metrics.append(Metric("transactions_per_second", f[5], .perSecond))
            // One transaction in flight: the mean round trip is the inverse of the rate.
            if f[5] > 0 { result.metrics.append(Metric("latency_mean", 1e9 / f[5], .nanoseconds)) }
            if f.count == 10 { appendCPU(f[6...9], to: &result, perTransaction: true) }
            if data.count > 1 {
                let remote = try numbers(data[1])
                if remote.count == 2 {
                    result.parameters["remote_send_socket_size"] = try int(remote[0], data[1])
                    result.parameters["remote_recv_socket_size"] = try int(remote[1], data[1])
                }
            }
        case .udpStream:
            guard f.count == 6, data.count >= 2 else {
                throw .line(.netperf, first.number, first.text,
                            expected: "a send line of 6 numbers followed by a receive line of 4")
            }
            let r = try numbers(data[1])
            guard r.count == 4 else {
                throw .line(.netperf, data[1].number, data[1].text,
                            expected: "4 numbers (socket size, elapsed, messages received, throughput)")
            }
            result.parameters["local_send_socket_size"] = try int(f[0], first)
            result.parameters["send_size"] = try int(f[1], first)
            result.parameters["remote_recv_socket_size"] = try int(r[0], data[1])
            result.duration = f[2]
            // What arrived is the throughput; what was sent is kept beside it.
            try appendThroughput(r[3], units: units, line: data[1], to: &result)
            try appendThroughput(f[5], units: units, line: first, to: &result, name: "throughput_sent")
            result.metrics.append(Metric("messages_sent", f[3], .count))
            result.metrics.append(Metric("send_errors", f[4], .count))
            result.metrics.append(Metric("messages_received", r[2], .count))
            if f[3] > 0 { result.metrics.append(Metric("loss", 100 * (f[3] - r[2]) / f[3], .percent)) }
        }
    }

    static func isDataRow(_ line: OutputLines.Line) -> Bool {
        let f = line.fields
        return !f.isEmpty && f.allSatisfy { Number.parse($0) != nil }
    }

    static func numbers(_ line: OutputLines.Line) throws(PeerToolError) -> [Double] {
        var out: [Double] = []
        for f in line.fields {
            guard let v = Number.parse(f) else {
                throw .line(.netperf, line.number, line.text, expected: "only numbers in a result row")
            }
            out.append(v)
        }
        return out
    }

    /// A socket or message size of `line` as parameter text.
    static func int(_ v: Double, _ line: OutputLines.Line) throws(PeerToolError) -> String {
        guard let n = Number.whole(v) else {
            throw .line(.netperf, line.number, line.text, expected: "socket and message sizes in bytes")
        }
        return String(n)
    }

    static func appendThroughput(_ v: Double, units: String, line: OutputLines.Line, to result: inout BenchResult,
                                 name: String = "throughput") throws(PeerToolError) {
        guard case .bits(let scale) = NetperfUnits.throughput(units) else {
            throw .line(.netperf, line.number, line.text, expected: "throughput in bit or byte units (-f)")
        }
        result.metrics.append(Metric(name, v * scale, .bitsPerSecond))
    }

    /// `-c -C` columns: local and remote CPU utilisation (%), then service demand.
    static func appendCPU(_ v: ArraySlice<Double>, to result: inout BenchResult, perTransaction: Bool = false) {
        let i = v.startIndex
        result.metrics.append(Metric("local_cpu_util", v[i], .percent))
        result.metrics.append(Metric("remote_cpu_util", v[i + 1], .percent))
        if perTransaction {
            // RR service demand is microseconds of CPU per transaction.
            result.metrics.append(Metric("service_demand_per_transaction_local", v[i + 2] * 1000, .nanoseconds))
            result.metrics.append(Metric("service_demand_per_transaction_remote", v[i + 3] * 1000, .nanoseconds))
        } else {
            result.metrics.append(Metric("service_demand_local", v[i + 2], .microsecondsPerKB))
            result.metrics.append(Metric("service_demand_remote", v[i + 3], .microsecondsPerKB))
        }
    }
}

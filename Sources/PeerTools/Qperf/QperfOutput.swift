import BenchCore

/// qperf's output: one block per test run (`tcp_bw:` then indented `name = value unit`
/// lines), with more lines under `-v`/`-vv`, and one block per size in a `-oo msg_size:…`
/// sweep. qperf units are decimal (`GB` = 10^9 bytes) and its `latency` is one-way (half a
/// round trip): results carry both `latency_one_way_mean` and the round trip `latency_mean`.
public enum QperfOutput {
    /// - Parameter sweepSizes: the message sizes of a sweep, in run order, for output that does
    ///   not print them (no `-vu`); each test's blocks take these sizes in turn.
    public static func parse(_ text: String, sweepSizes: [Int]? = nil) throws(PeerToolError) -> [BenchResult] {
        var blocks: [(name: String, line: Int, values: [(String, OutputLines.Line)], failure: String?)] = []
        for line in OutputLines(text).nonBlank {
            let t = line.trimmed
            if !line.text.hasPrefix(" "), t.hasSuffix(":"), !t.contains(" ") {
                blocks.append((String(t.dropLast()), line.number, [], nil))
                continue
            }
            guard !blocks.isEmpty else {
                throw .line(.qperf, line.number, line.text, expected: "a test name such as \"tcp_bw:\"")
            }
            if let eq = t.firstIndex(of: "=") {
                blocks[blocks.count - 1].values.append((String(t[..<eq].trimmingBlanks), line))
            } else {
                // e.g. "127.0.0.1: failed to connect": qperf stops after it.
                blocks[blocks.count - 1].failure = String(t)
            }
        }
        guard !blocks.isEmpty else {
            throw PeerToolError(.qperf, .noResult(expected: "a test block such as \"tcp_bw:\" with \"bw = …\""))
        }
        var seen: [String: Int] = [:]
        var results: [BenchResult] = []
        for block in blocks {
            let index = seen[block.name, default: 0]
            seen[block.name] = index + 1
            var r = BenchResult(test: "qperf.\(block.name)", tool: "qperf", transport: transport(block.name))
            if let failure = block.failure {
                r.status = .error
                r.reason = "qperf: \(block.name): \(failure)"
                results.append(r)
                continue
            }
            for (name, line) in block.values { try apply(name, line, to: &r) }
            if r.parameters["size"] == nil, let sizes = sweepSizes, index < sizes.count {
                r.parameters["size"] = String(sizes[index])
            }
            guard r.metric("throughput") != nil || r.metric("latency_mean") != nil else {
                throw .line(.qperf, block.line, Substring(block.name + ":"),
                            expected: "a \"bw =\" or \"latency =\" line in the block")
            }
            results.append(r)
        }
        // A sweep: name each block by its size (or its place when qperf did not print it).
        for (name, count) in seen where count > 1 {
            var k = 0
            for i in results.indices where results[i].test == "qperf.\(name)" {
                k += 1
                results[i].test += "." + (results[i].parameters["size"] ?? "#\(k)")
            }
        }
        return results
    }

    static func transport(_ test: String) -> BenchResult.Transport {
        if test.hasPrefix("tcp") || test.hasPrefix("sctp") || test.hasPrefix("sdp") { return .tcp }
        if test.hasPrefix("udp") { return .udp }
        return .rdma
    }

    /// One `name = value unit` line.
    static func apply(_ name: String, _ line: OutputLines.Line, to r: inout BenchResult) throws(PeerToolError) {
        let t = line.trimmed
        let rhs = t[t.index(after: t.firstIndex(of: "=")!)...].trimmingBlanks
        let f = rhs.split(separator: " ")
        guard let first = f.first, let v = Number.parse(first) else {
            // Values qperf prints as text (none in its documented output) are kept as parameters.
            r.parameters[name] = String(rhs)
            return
        }
        let unit = f.count > 1 ? String(f[1]) : ""
        func bad(_ expected: String) -> PeerToolError { .line(.qperf, line.number, line.text, expected: expected) }
        switch name {
        case "bw":
            guard let scale = bandwidthScale(unit) else { throw bad("a bandwidth unit such as GB/sec or Gb/sec") }
            r.metrics.append(Metric("throughput", v * scale, .bitsPerSecond))
        case "latency":
            guard let ns = timeScale(unit) else { throw bad("a latency unit: ns, us, ms or sec") }
            r.metrics.append(Metric("latency_mean", 2 * v * ns, .nanoseconds))
            r.metrics.append(Metric("latency_one_way_mean", v * ns, .nanoseconds))
        case "msg_rate":
            guard let scale = countScale(unit.hasSuffix("/sec") ? String(unit.dropLast(4)) : unit) else {
                throw bad("a rate such as 35.1 K/sec")
            }
            r.metrics.append(Metric("messages_per_second", v * scale, .perSecond))
        case "msg_size":
            // "64 KiB (65,536)" or "1 bytes"
            let exact = rhs.firstIndex(of: "(").flatMap { Number.parse(rhs[rhs.index(after: $0)...].dropLast()) }
            guard let bytes = exact ?? (unit == "bytes" ? v : nil), let n = Number.whole(bytes) else {
                throw bad("a message size such as \"1 bytes\" or \"64 KiB (65,536)\"")
            }
            r.parameters["size"] = String(n)
        case "time", "timeout":
            r.parameters[name] = String(first)
            if name == "time" { r.duration = v }
        case "send_cpus_used", "loc_cpus_used":
            r.metrics.append(Metric("local_cpu_util", v, .percent))
        case "recv_cpus_used", "rem_cpus_used":
            r.metrics.append(Metric("remote_cpu_util", v, .percent))
        default:
            break
        }
    }

    /// bit/s per unit: `B/sec`, `KB/sec`, `MB/sec`, `GB/sec` are 10^n bytes; `b/sec`… bits (`-ub`).
    static func bandwidthScale(_ unit: String) -> Double? {
        guard unit.hasSuffix("/sec") else { return nil }
        let u = unit.dropLast(4)
        let base: Double
        switch u.last {
        case "B": base = 8
        case "b": base = 1
        default: return nil
        }
        return countScale(String(u.dropLast())).map { $0 * base }
    }

    static func countScale(_ prefix: String) -> Double? {
        switch prefix {
        case "": 1
        case "K": 1e3
        case "M": 1e6
        case "G": 1e9
        case "T": 1e12
        default: nil
        }
    }

    static func timeScale(_ unit: String) -> Double? {
        switch unit {
        case "ns": 1
        case "us": 1e3
        case "ms": 1e6
        case "sec", "s": 1e9
        default: nil
        }
    }
}

import BenchCore

/// iperf3's human output: interval lines, then a summary with a `sender` and a `receiver`
/// line per stream and `[SUM]` lines with `-P`. Bitrates are decimal (Gbits = 10^9),
/// transfers binary (GBytes = 2^30).
public enum Iperf3Text {
    public static func parse(_ text: String) throws(PeerToolError) -> [BenchResult] {
        let lines = OutputLines(text).nonBlank
        var result = BenchResult(test: "iperf3.tcp", tool: "iperf3", transport: .tcp)
        var reverse = false, udp = false
        var sender: OutputLines.Line?, receiver: OutputLines.Line?
        var summing = false
        var streams = Set<Substring>()
        for line in lines {
            let t = line.trimmed
            if t.hasPrefix("iperf3: error - ") || t.hasPrefix("iperf3: ") {
                result.status = .error
                result.reason = String(t)
                return [result]
            }
            if t.hasPrefix("Connecting to host ") {
                let f = line.fields
                if f.count >= 4 { result.parameters["peer"] = String(f[3].dropLast(f[3].hasSuffix(",") ? 1 : 0)) }
                continue
            }
            if t.hasPrefix("Reverse mode") { reverse = true; continue }
            if t.hasPrefix("[ ID]") {
                if t.contains("Jitter") || t.contains("Datagrams") { udp = true }
                continue
            }
            if t.hasPrefix("- - -") { summing = true; continue }
            guard t.hasPrefix("[") else { continue }
            let id = t[t.index(after: t.startIndex)..<(t.firstIndex(of: "]") ?? t.endIndex)].trimmingBlanks
            if id != "SUM", id.allSatisfy(\.isNumber) { streams.insert(id) }
            guard summing else { continue }
            // Prefer [SUM] lines when there are several streams.
            let isSum = id == "SUM"
            if t.hasSuffix("sender"), isSum || sender == nil || !(sender!.trimmed.hasPrefix("[SUM]")) { sender = line }
            if t.hasSuffix("receiver"), isSum || receiver == nil || !(receiver!.trimmed.hasPrefix("[SUM]")) { receiver = line }
        }
        guard let recv = receiver ?? sender else {
            throw PeerToolError(.iperf3, .noResult(
                expected: "summary lines ending in \"sender\" and \"receiver\" after the \"- - -\" separator"))
        }
        let r = try summary(recv)
        result.test = "iperf3." + (udp ? "udp" : "tcp") + (reverse ? ".reverse" : "")
        result.transport = udp ? .udp : .tcp
        result.parameters["streams"] = String(max(1, streams.count))
        result.duration = r.seconds
        result.metrics.append(Metric("throughput", r.bitsPerSecond, .bitsPerSecond))
        if let s = sender, s.number != recv.number {
            let sent = try summary(s)
            result.metrics.append(Metric("throughput_sent", sent.bitsPerSecond, .bitsPerSecond))
            if let retr = sent.retransmits { result.metrics.append(Metric("retransmits", retr, .count)) }
        }
        result.metrics.append(Metric("bytes", r.bytes, .bytes))
        if let j = r.jitterMs { result.metrics.append(Metric("jitter", j * 1e6, .nanoseconds)) }
        if let lost = r.lost, let total = r.total {
            result.metrics.append(Metric("datagrams_lost", lost, .count))
            result.metrics.append(Metric("datagrams_sent", total, .count))
            if total > 0 { result.metrics.append(Metric("loss", 100 * lost / total, .percent)) }
        }
        return [result]
    }

    struct Summary {
        var seconds: Double, bytes: Double, bitsPerSecond: Double
        var retransmits: Double?, jitterMs: Double?, lost: Double?, total: Double?
    }

    /// `[  5]   0.00-10.00  sec  28.3 GBytes  24.3 Gbits/sec  104             sender`
    /// `[  5]   0.00-10.00  sec  1.15 GBytes   991 Mbits/sec  0.038 ms  345/38141 (0.9%)  receiver`
    static func summary(_ line: OutputLines.Line) throws(PeerToolError) -> Summary {
        let t = line.trimmed
        let expected = "INTERVAL sec TRANSFER UNIT BITRATE UNIT ... sender|receiver"
        guard let close = t.firstIndex(of: "]") else { throw .line(.iperf3, line.number, line.text, expected: expected) }
        let f = t[t.index(after: close)...].split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard f.count >= 7, f[1] == "sec", let range = f[0].split(separator: "-").last,
              let seconds = Number.parse(range),
              let amount = Number.parse(f[2]), let byteScale = byteUnit(f[3]),
              let rate = Number.parse(f[4]), let bitScale = bitRateUnit(f[5]) else {
            throw .line(.iperf3, line.number, line.text, expected: expected)
        }
        var s = Summary(seconds: seconds, bytes: amount * byteScale, bitsPerSecond: rate * bitScale)
        let rest = f[6..<(f.count - 1)]
        if rest.count == 1, let r = Number.parse(rest.first!) { s.retransmits = r }
        if let ms = rest.firstIndex(of: "ms"), ms > rest.startIndex, let j = Number.parse(rest[ms - 1]) {
            s.jitterMs = j
            if ms + 1 < rest.endIndex {
                let parts = rest[ms + 1].split(separator: "/")
                if parts.count == 2, let l = Number.parse(parts[0]), let n = Number.parse(parts[1]) {
                    s.lost = l; s.total = n
                }
            }
        }
        return s
    }

    static func byteUnit(_ u: Substring) -> Double? {
        switch u {
        case "Bytes": 1
        case "KBytes": 1024
        case "MBytes": 1024 * 1024
        case "GBytes": 1024 * 1024 * 1024
        case "TBytes": 1024 * 1024 * 1024 * 1024
        default: nil
        }
    }

    static func bitRateUnit(_ u: Substring) -> Double? {
        switch u {
        case "bits/sec": 1
        case "Kbits/sec": 1e3
        case "Mbits/sec": 1e6
        case "Gbits/sec": 1e9
        case "Tbits/sec": 1e12
        default: nil
        }
    }
}

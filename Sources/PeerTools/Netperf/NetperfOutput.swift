import BenchCore

/// netperf's stdout, in any of the shapes it prints: the classic tables (TCP_STREAM,
/// TCP_MAERTS, TCP_RR, UDP_STREAM, with or without `-c -C`, with or without `-P 0`),
/// and the omni output selectors as CSV (`-o`), columns (`-O`) or `KEY=value` lines (`-k`).
/// Interim results (`-D`) and the confidence warning block (`-I`) are folded into the result.
/// netperf reports its own failures on stdout: those become a result with status `error`.
public enum NetperfOutput {
    /// - Parameter assumedTest: the test name (e.g. `TCP_RR`) for output without a banner
    ///   (`-P 0`); without it, the shape of the data line decides.
    public static func parse(_ text: String, assumedTest: String? = nil) throws(PeerToolError) -> [BenchResult] {
        let lines = OutputLines(text).nonBlank
        guard !lines.isEmpty else {
            throw PeerToolError(.netperf, .noResult(expected: "netperf's banner and result lines"))
        }
        var banner: NetperfBanner?
        var interim: [(value: Double, unit: String)] = []
        var achievedWidth: Double?
        var body: [OutputLines.Line] = []
        for line in lines {
            let t = line.trimmed
            if let failure = failureText(t) {
                let test = banner?.test ?? assumedTest ?? "unknown"
                return [BenchResult(test: "netperf.\(test)", tool: "netperf", transport: transport(test),
                                    status: .error, reason: "netperf: \(failure)")]
            }
            if body.isEmpty, banner == nil, let b = NetperfBanner(t) { banner = b; continue }
            if t.hasPrefix("Interim result:") {
                // Interim result: 21036.04 10^6bits/s over 2.426 seconds ending at 1795579692.923
                let f = line.fields
                guard f.count >= 4, let v = Number.parse(f[2]) else {
                    throw .line(.netperf, line.number, line.text, expected: "Interim result: VALUE UNITS over SECONDS seconds")
                }
                interim.append((v, String(f[3])))
                continue
            }
            if t.hasPrefix("!!!") {
                // !!! Confidence intervals: Throughput      : 14.690%
                if t.contains("Confidence intervals: Throughput"), let colon = t.lastIndex(of: ":") {
                    achievedWidth = Number.parse(t[t.index(after: colon)...].trimmingBlanks.dropLast())
                }
                continue
            }
            body.append(line)
        }
        guard !body.isEmpty else {
            throw PeerToolError(.netperf, .noResult(expected: "result lines after the banner"))
        }

        var result = BenchResult(test: "netperf.unknown", tool: "netperf", transport: .tcp)
        if isKeyValue(body) {
            var v = NetperfOmniValues()
            for line in body {
                let t = line.trimmed
                let eq = t.firstIndex(of: "=")!
                if let sel = NetperfSelector(rawValue: String(t[..<eq])) { v.values[sel] = t[t.index(after: eq)...] }
            }
            try v.apply(to: &result, throughputLine: body[0].number)
        } else if body[0].text.contains(",") {
            try parseCSV(body, into: &result)
        } else if let shape = ClassicShape(body) {
            try parseClassic(body, shape: shape, into: &result)
        } else {
            try parseColumns(body, into: &result)
        }
        guard result.metric("throughput") != nil || result.metric("transactions_per_second") != nil
                || result.metric("latency_mean") != nil else {
            throw PeerToolError(.netperf, .noResult(
                expected: "a THROUGHPUT, TRANSACTION_RATE or MEAN_LATENCY value (or a classic result table)"))
        }

        let test = banner?.test ?? assumedTest ?? omniTestName(result) ?? classicGuess(result)
        result.test = "netperf.\(test)"
        result.transport = transport(test)
        if let peer = banner?.peer { result.parameters["peer"] = peer }
        if let b = banner, let level = b.confidenceLevel {
            result.parameters["confidence_level"] = level
            if let w = b.confidenceHalfWidth { result.parameters["confidence_half_width"] = w }
        }
        if let w = achievedWidth, result.metric("throughput_confidence_width") == nil {
            result.metrics.append(Metric("throughput_confidence_width", w, .percent))
        }
        // netperf prints the warning block only when the confidence target was missed.
        if achievedWidth != nil { result.parameters["confidence_achieved"] = "no" }
        if !interim.isEmpty { try addInterim(interim, to: &result, line: body[0].number) }
        return [result]
    }

    // MARK: - Failures

    /// netperf's failure lines (it prints them on stdout and exits 255).
    static func failureText(_ t: Substring) -> String? {
        let prefixes = ["establish control", "establish_control", "netperf: ", "netserver: ",
                        "send_omni", "recv_omni", "connect_data_socket", "netperf_response"]
        for p in prefixes where t.hasPrefix(p) { return String(t) }
        return nil
    }

    static func transport(_ test: String) -> BenchResult.Transport {
        test.hasPrefix("UDP") ? .udp : .tcp
    }

    // MARK: - Omni

    static func isKeyValue(_ body: [OutputLines.Line]) -> Bool {
        body.allSatisfy { line in
            let t = line.trimmed
            guard let eq = t.firstIndex(of: "="), eq != t.startIndex else { return false }
            return t[..<eq].allSatisfy { $0.isUppercase || $0.isNumber || $0 == "_" }
        }
    }

    static func parseCSV(_ body: [OutputLines.Line], into result: inout BenchResult) throws(PeerToolError) {
        guard body.count == 2 else {
            if body.count == 1, Number.parse(body[0].text.split(separator: ",").first ?? "") != nil {
                throw .line(.netperf, body[0].number, body[0].text,
                            expected: "the CSV header line before the values (-P 0 drops it; use -k for self-describing output)")
            }
            let extra = body[min(2, body.count - 1)]
            throw .line(.netperf, extra.number, extra.text, expected: "one CSV header line and one CSV value line")
        }
        let titles = body[0].text.split(separator: ",", omittingEmptySubsequences: false)
        let values = body[1].text.split(separator: ",", omittingEmptySubsequences: false)
        guard titles.count == values.count else {
            throw .line(.netperf, body[1].number, body[1].text,
                        expected: "\(titles.count) comma-separated values, one per header column")
        }
        var v = NetperfOmniValues()
        for (t, value) in zip(titles, values) {
            if let sel = NetperfSelector.titled(String(t.trimmingBlanks)) { v.values[sel] = value }
        }
        try v.apply(to: &result, throughputLine: body[1].number)
    }

    /// `-O`: headers wrapped over up to four lines, every column left-aligned with the value
    /// below it, so each value's start column delimits the header text above it.
    static func parseColumns(_ body: [OutputLines.Line], into result: inout BenchResult) throws(PeerToolError) {
        let valueLine = body[body.count - 1]
        // Each column reads every header row, so more rows than netperf prints would make
        // the work grow with the square of the input.
        guard body.count - 1 <= maxTitleRows else {
            throw .line(.netperf, body[0].number, body[0].text,
                        expected: "a netperf result table (classic, or -O columns under at most \(maxTitleRows) title lines)")
        }
        let headers = body.dropLast().map { Array($0.text) }
        let chars = Array(valueLine.text)
        var starts: [Int] = []
        for i in chars.indices where chars[i] != " " && (i == 0 || chars[i - 1] == " ") { starts.append(i) }
        guard !headers.isEmpty, !starts.isEmpty else {
            throw .line(.netperf, valueLine.number, valueLine.text,
                        expected: "a netperf result table (classic or -O columns)")
        }
        var v = NetperfOmniValues()
        for (k, start) in starts.enumerated() {
            let end = k + 1 < starts.count ? starts[k + 1] : Int.max
            let title = headers.map { row -> String in
                guard start < row.count else { return "" }
                return String(row[start..<min(end, row.count)]).trimmingCharacters(" ")
            }.filter { !$0.isEmpty }.joined(separator: " ")
            let value = Substring(String(chars[start..<min(end, chars.count)]).trimmingCharacters(" "))
            if let sel = NetperfSelector.titled(title) { v.values[sel] = value }
        }
        guard !v.values.isEmpty else {
            throw .line(.netperf, body[0].number, body[0].text,
                        expected: "classic netperf column headers or omni -O selector titles")
        }
        try v.apply(to: &result, throughputLine: valueLine.number)
    }

    /// netperf wraps a column title over at most four lines (`set_output_elt` in nettest_omni.c).
    static let maxTitleRows = 4

    static func omniTestName(_ r: BenchResult) -> String? {
        guard let p = r.parameters["protocol"] else { return nil }
        if r.metric("transactions_per_second") != nil { return "\(p)_RR" }
        switch r.parameters["direction"] {
        case "Send": return "\(p)_STREAM"
        case "Receive": return "\(p)_MAERTS"
        default: return nil
        }
    }

    static func classicGuess(_ r: BenchResult) -> String {
        r.metric("transactions_per_second") != nil ? "TCP_RR" : "TCP_STREAM"
    }

    // MARK: - Interim

    static func addInterim(_ interim: [(value: Double, unit: String)], to result: inout BenchResult,
                           line: Int) throws(PeerToolError) {
        var values: [Double] = []
        var name = "throughput", unit = Metric.Unit.bitsPerSecond
        for (v, u) in interim {
            switch NetperfUnits.throughput(u) {
            case .bits(let scale): values.append(v * scale)
            case .transactions:
                values.append(v); name = "transactions_per_second"; unit = .perSecond
            case nil:
                throw .line(.netperf, line, Substring(u), expected: "interim units such as 10^6bits/s or Trans/s")
            }
        }
        result.parameters["interim_results"] = String(values.count)
        result.metrics.append(Metric("\(name)_interim_min", values.min()!, unit))
        result.metrics.append(Metric("\(name)_interim_max", values.max()!, unit))
    }
}

extension String {
    func trimmingCharacters(_ c: Character) -> String {
        var s = Substring(self)
        while s.first == c { s.removeFirst() }
        while s.last == c { s.removeLast() }
        return String(s)
    }
}

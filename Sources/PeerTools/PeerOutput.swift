import BenchCore

/// Any saved output of a peer tool, turned into results.
public enum PeerOutput {
    /// Parses `text` as `tool`'s stdout; iperf3 and perftest JSON are recognised by their
    /// first character. Throws on output that is not the tool's.
    public static func parse(_ tool: PeerTool, _ text: String) throws(PeerToolError) -> [BenchResult] {
        // A copy saved on Windows, or through a terminal log, ends its lines in CR LF, which
        // Swift reads as one Character: the parsers would see one long line.
        let text = text.contains("\r") ? String(String.UnicodeScalarView(text.unicodeScalars.filter { $0 != "\r" })) : text
        let json = text.drop { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }.first == "{"
        switch tool {
        case .netperf: return try NetperfOutput.parse(text)
        case .iperf3: return json ? try Iperf3JSON.parse(text) : try Iperf3Text.parse(text)
        case .qperf: return try QperfOutput.parse(text)
        case .perftest: return json ? try PerftestJSON.parse(text) : try PerftestOutput.parse(text)
        }
    }

    /// Like `parse`, but output that cannot be read becomes one result with status `error`
    /// whose reason names the tool, the line and what was expected: never a throw.
    public static func results(_ tool: PeerTool, _ text: String, test: String? = nil) -> [BenchResult] {
        do {
            return try parse(tool, text)
        } catch {
            return [BenchResult(test: test ?? "\(tool.rawValue).output", tool: tool.rawValue,
                                transport: tool == .perftest ? .rdma : .tcp,
                                status: .error, reason: error.description)]
        }
    }
}

/// Why a peer tool's output could not become results, or why a run could not happen.
/// Prints as one line: `<tool> output line N: <what failed>; <next step>`.
public struct PeerToolError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// A line (1-based; 0 = the whole output) did not have the expected shape.
        case unparseable(line: Int, text: String, expected: String)
        /// Nothing in the output looked like a result.
        case noResult(expected: String)
        /// The tool could not be started or did not finish.
        case notRun(String)
    }

    public let tool: PeerTool
    public let code: Code

    public init(_ tool: PeerTool, _ code: Code) {
        self.tool = tool
        self.code = code
    }

    static func line(_ tool: PeerTool, _ number: Int, _ text: Substring, expected: String) -> PeerToolError {
        PeerToolError(tool, .unparseable(line: number, text: String(text), expected: expected))
    }

    public var description: String {
        switch code {
        case let .unparseable(line, text, expected):
            let shown = Self.escaped(text.count > 80 ? String(text.prefix(77)) + "..." : text)
            return "\(tool.rawValue) output line \(line): unexpected \"\(shown)\", expected \(expected); "
                + "pass the tool's unmodified stdout"
        case let .noResult(expected):
            return "\(tool.rawValue) output: no result found, expected \(expected); "
                + "pass the tool's unmodified stdout"
        case let .notRun(why):
            return "\(tool.rawValue): \(why)"
        }
    }

    /// Control characters as `\x1b`, `\n`: the quoted text cannot break the error's one line
    /// or drive the terminal.
    private static func escaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x0a: out += "\\n"
            case 0x0d: out += "\\r"
            case 0x09: out += "\\t"
            case 0..<0x20, 0x7f: out += "\\x" + String(scalar.value, radix: 16).leftPadded(2)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

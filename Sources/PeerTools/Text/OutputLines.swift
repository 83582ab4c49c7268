/// A tool's stdout as numbered lines (1-based), so every parse error can name its line.
struct OutputLines: Sequence {
    struct Line {
        let number: Int
        let text: Substring
        /// The text without leading and trailing blanks (spaces, tabs, CR).
        var trimmed: Substring { text.trimmingBlanks }
        /// Whitespace-separated fields.
        var fields: [Substring] { text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }) }
    }

    let lines: [Line]

    init(_ text: String) {
        var out: [Line] = []
        var n = 0
        for l in text.split(separator: "\n", omittingEmptySubsequences: false) {
            n += 1
            out.append(Line(number: n, text: l))
        }
        // A final newline leaves one empty element that is not a line.
        if let last = out.last, last.text.isEmpty, text.hasSuffix("\n") { out.removeLast() }
        lines = out
    }

    func makeIterator() -> IndexingIterator<[Line]> { lines.makeIterator() }
    var nonBlank: [Line] { lines.filter { !$0.trimmed.isEmpty } }
}

extension Substring {
    var trimmingBlanks: Substring {
        var s = self
        while let c = s.first, c == " " || c == "\t" || c == "\r" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\r" { s.removeLast() }
        return s
    }
}

enum Number {
    /// A decimal number as tools print it: `21467.99`, `-1.000`, `64,588` (thousands
    /// separators), `1e9`. Nil for anything else, including `nan` and magnitudes no tool
    /// prints (`isPlausible`).
    static func parse(_ text: Substring) -> Double? {
        let t = text.trimmingBlanks
        guard !t.isEmpty else { return nil }
        let plain = t.contains(",") ? String(t.filter { $0 != "," }) : String(t)
        guard let first = plain.first, first.isNumber || first == "-" || first == "+" || first == "." else { return nil }
        guard let v = Double(plain), isPlausible(v) else { return nil }
        return v
    }

    /// Zero, or a magnitude within 1e-100…1e100: what any tool prints. Beyond it the file is
    /// damaged, and scaling (× 8·2^30 for GBytes) or inverting (rate → latency) such a value
    /// could reach infinity, which a JSON result cannot hold. False for infinity and NaN.
    static func isPlausible(_ v: Double) -> Bool {
        v == 0 || (1e-100...1e100).contains(v.magnitude)
    }

    static func parse(_ text: String) -> Double? { parse(Substring(text)) }

    /// `v` without its fraction, as the sizes and counts of a result are kept; nil when no
    /// `Int` holds it (no tool prints a size of 1e30 bytes, but a damaged file can).
    static func whole(_ v: Double) -> Int? { Int(exactly: v.rounded(.towardZero)) }
}

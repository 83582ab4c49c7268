/// CSV and JSON report lines appended to a byte buffer the caller reuses,
/// byte for byte what `ReportRenderer.csvLine` and `jsonLine` return.
///
/// Those build a String per field and, for JSON, run JSONEncoder, which
/// costs more than decoding the stream. Here the common case (printable
/// ASCII text without quotes or backslashes, numbers JSONEncoder writes
/// without an exponent, parameter names of lower-case letters) is written
/// directly; any other row goes through the String renderers, so the two
/// never disagree.
enum RowWriter {
    static func appendCSV(_ row: ReportRow, to out: inout [UInt8]) {
        field(row.test, &out)
        out.append(UInt8(ascii: ","))
        field(row.status, &out)
        out.append(UInt8(ascii: ","))
        if let d = row.duration { fixed6(d, &out) }
        out.append(UInt8(ascii: ","))
        field(row.routeCode ?? "", &out)
        out.append(UInt8(ascii: ","))
        field(row.source ?? "", &out)
        out.append(UInt8(ascii: ","))
        if let r = row.result {
            field(r.tool, &out)
            out.append(UInt8(ascii: ","))
            out.append(utf8: r.transport.rawValue)
            out.append(UInt8(ascii: ","))
            let sorted = r.parameters.sorted(by: { $0.key < $1.key })
            var mark = out.count
            for (k, p) in sorted.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ";")) }
                out.append(utf8: p.key)
                out.append(UInt8(ascii: "="))
                out.append(utf8: p.value)
            }
            if needsQuotes(out[mark...]) {
                out.removeSubrange(mark...)
                field(sorted.map { "\($0.key)=\($0.value)" }.joined(separator: ";"), &out)
            }
            out.append(UInt8(ascii: ","))
            mark = out.count
            for (k, m) in r.metrics.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ";")) }
                out.append(utf8: m.name)
                out.append(UInt8(ascii: "="))
                plain(m.value, &out)
                if !m.unit.rawValue.isEmpty {
                    out.append(UInt8(ascii: " "))
                    out.append(utf8: m.unit.rawValue)
                }
            }
            if needsQuotes(out[mark...]) {
                out.removeSubrange(mark...)
                field(r.metrics.map { m in
                    "\(m.name)=\(ReportRenderer.plain(m.value))" + (m.unit.rawValue.isEmpty ? "" : " \(m.unit.rawValue)")
                }.joined(separator: ";"), &out)
            }
        } else {
            out.append(contentsOf: ",,,".utf8)
        }
        out.append(UInt8(ascii: ","))
        field(row.detail ?? "", &out)
        out.append(UInt8(ascii: "\n"))
    }

    /// `Units.fixed(value, 6)`, without the Strings.
    static func fixed6(_ value: Double, _ out: inout [UInt8]) {
        let scaled = (abs(value) * 1e6).rounded()
        guard value.isFinite, scaled < 9.0e18 else { return out.append(contentsOf: Units.fixed(value, 6).utf8) }
        if value < 0 && scaled > 0 { out.append(UInt8(ascii: "-")) }
        let whole = UInt64(scaled)
        decimal(whole / 1_000_000, &out)
        out.append(UInt8(ascii: "."))
        decimal(whole % 1_000_000, minimumDigits: 6, &out)
    }

    /// `ReportRenderer.plain(value)`, without the String.
    static func plain(_ value: Double, _ out: inout [UInt8]) {
        guard value == value.rounded() && abs(value) < 1e15 else { return out.append(contentsOf: "\(value)".utf8) }
        let whole = Int64(value)
        if whole < 0 { out.append(UInt8(ascii: "-")) }
        decimal(whole.magnitude, &out)
    }

    /// The decimal digits of `value`, as `String(value)` writes them, with leading
    /// zeros up to `minimumDigits`.
    static func decimal(_ value: UInt64, minimumDigits: Int = 1, _ out: inout [UInt8]) {
        precondition(minimumDigits <= 20, "a UInt64 has at most 20 digits")
        // Digits are made from the right in a buffer on the stack, then copied at once.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = digits.count
            var rest = value
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            } while rest > 0
            while digits.count - start < minimumDigits {
                start -= 1
                digits[start] = UInt8(ascii: "0")
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }

    private static func needsQuotes(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }
    }

    private static func field(_ s: String, _ out: inout [UInt8]) {
        let mark = out.count
        out.append(utf8: s)
        // The String renderer decides quoting by Character ("\r\n" is one), so it decides here too.
        if needsQuotes(out[mark...]) {
            out.removeSubrange(mark...)
            out.append(contentsOf: ReportRenderer.csvField(s).utf8)
        }
    }

    static func appendJSON(_ row: ReportRow, to out: inout [UInt8]) {
        let mark = out.count
        if !directJSON(row, &out) {
            out.removeSubrange(mark...)
            out.append(contentsOf: ReportRenderer.jsonLine(row).utf8)
        }
    }

    /// Keys in JSONEncoder's sorted order; false when the row needs JSONEncoder.
    private static func directJSON(_ row: ReportRow, _ out: inout [UInt8]) -> Bool {
        var ok = true
        func raw(_ s: StaticString) {
            s.withUTF8Buffer { out.append(contentsOf: $0) }
        }
        func str(_ s: String) {
            for c in s.utf8 where c < 0x20 || c >= 0x7F || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") {
                ok = false
                return
            }
            out.append(UInt8(ascii: "\""))
            out.append(utf8: s)
            out.append(UInt8(ascii: "\""))
        }
        func optStr(_ s: String?) { if let s { str(s) } else { raw("null") } }
        func num(_ v: Double) {
            // An integer below 10^15 is written as its digits, as JSONEncoder does (not -0).
            if v == v.rounded() && abs(v) < 1e15 && !(v == 0 && v.sign == .minus) { return plain(v, &out) }
            var text = v.description
            if text.hasSuffix(".0") { text.removeLast(2) }
            for c in text.utf8 where !(c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) && c != UInt8(ascii: ".")
                && c != UInt8(ascii: "-") {
                ok = false
                return
            }
            out.append(contentsOf: text.utf8)
        }
        raw(#"{"detail":"#)
        optStr(row.detail)
        raw(#","duration":"#)
        if let d = row.duration { num(d) } else { raw("null") }
        raw(#","result":"#)
        if let r = row.result {
            out.append(UInt8(ascii: "{"))
            if let d = r.duration {
                raw(#""duration":"#)
                num(d)
                out.append(UInt8(ascii: ","))
            }
            raw(#""metrics":["#)
            for (k, m) in r.metrics.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                raw(#"{"name":"#)
                str(m.name)
                raw(#","unit":"#)
                str(m.unit.rawValue)
                raw(#","value":"#)
                num(m.value)
                out.append(UInt8(ascii: "}"))
            }
            raw(#"],"parameters":{"#)
            for (k, p) in r.parameters.sorted(by: { $0.key < $1.key }).enumerated() {
                // JSONEncoder's key order matches code-point order for these; others it decides.
                guard !p.key.isEmpty, p.key.utf8.allSatisfy({ $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") })
                else { return false }
                if k > 0 { out.append(UInt8(ascii: ",")) }
                str(p.key)
                out.append(UInt8(ascii: ":"))
                str(p.value)
            }
            out.append(UInt8(ascii: "}"))
            if let reason = r.reason {
                raw(#","reason":"#)
                str(reason)
            }
            if let s = r.started {
                raw(#","started":"#)
                num(s)
            }
            raw(#","status":"#)
            str(r.status.rawValue)
            raw(#","test":"#)
            str(r.test)
            raw(#","tool":"#)
            str(r.tool)
            raw(#","transport":"#)
            str(r.transport.rawValue)
            out.append(UInt8(ascii: "}"))
        } else {
            raw("null")
        }
        raw(#","route_code":"#)
        optStr(row.routeCode)
        raw(#","schema":"#)
        str(ReportRow.schema)
        raw(#","source":"#)
        optStr(row.source)
        raw(#","status":"#)
        str(row.status)
        raw(#","tags":["#)
        for (k, t) in row.tags.enumerated() {
            if k > 0 { out.append(UInt8(ascii: ",")) }
            str(t)
        }
        raw(#"],"test":"#)
        str(row.test)
        raw("}\n")
        return ok
    }
}

extension Array where Element == UInt8 {
    /// The UTF-8 of `s` in one copy: appending `s.utf8` goes byte by byte for
    /// a small (inline) string, which most fields are.
    mutating func append(utf8 s: String) {
        var s = s
        s.withUTF8 { append(contentsOf: $0) }
    }
}

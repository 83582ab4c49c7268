/// Parsing and display of the units ibbench speaks. Bytes use binary prefixes (`64K` = 65,536
/// bytes, `1M` = 2^20); rates use decimal ones (`9Gbit` = 9 × 10^9 bit/s); durations take
/// `ns`, `us`/`µs`, `ms`, `s` (a bare number is seconds).
public enum Units {
    /// `65536`, `64K`, `64KiB`, `1M`, `1G` → bytes (binary multiples). Nil when malformed or zero-length.
    public static func parseBytes(_ text: String) -> UInt64? {
        let (number, suffix) = split(text)
        guard let value = UInt64(number) else { return nil }
        let shift: UInt64
        switch suffix.lowercased() {
        case "", "b": shift = 0
        case "k", "kib", "kb": shift = 10
        case "m", "mib", "mb": shift = 20
        case "g", "gib", "gb": shift = 30
        default: return nil
        }
        let (r, overflow) = value.multipliedReportingOverflow(by: 1 << shift)
        return overflow ? nil : r
    }

    /// `9Gbit`, `9G`, `9Gbit/s`, `900Mbit`, `1e9` → bit/s (decimal multiples). Nil when malformed.
    public static func parseRate(_ text: String) -> Double? {
        var (number, suffix) = split(text)
        suffix = suffix.lowercased()
        if suffix.hasSuffix("/s") { suffix.removeLast(2) }
        if suffix.hasSuffix("bps") { suffix.removeLast(3) }
        if suffix.hasSuffix("bit") { suffix.removeLast(3) }
        guard let value = Double(number), value >= 0 else { return nil }
        switch suffix {
        case "": return value
        case "k": return value * 1e3
        case "m": return value * 1e6
        case "g": return value * 1e9
        case "t": return value * 1e12
        default: return nil
        }
    }

    /// `50us`, `50µs`, `1.5ms`, `2s`, `800ns`, `3` (seconds) → nanoseconds. Nil when malformed.
    public static func parseDuration(_ text: String) -> Double? {
        let (number, suffix) = split(text)
        guard let value = Double(number), value >= 0 else { return nil }
        switch suffix.lowercased() {
        case "ns": return value
        case "us", "µs": return value * 1e3
        case "ms": return value * 1e6
        case "", "s": return value * 1e9
        default: return nil
        }
    }

    /// Throughput for people: `9.41 Gbit/s` (10^9), `812.3 Mbit/s`.
    public static func formatRate(_ bitsPerSecond: Double) -> String {
        if bitsPerSecond >= 1e9 { return "\(fixed(bitsPerSecond / 1e9, 2)) Gbit/s" }
        if bitsPerSecond >= 1e6 { return "\(fixed(bitsPerSecond / 1e6, 1)) Mbit/s" }
        if bitsPerSecond >= 1e3 { return "\(fixed(bitsPerSecond / 1e3, 1)) kbit/s" }
        return "\(fixed(bitsPerSecond, 0)) bit/s"
    }

    /// Byte counts for people: `1.50 GiB`, `64 KiB`, `100 B` (binary multiples).
    public static func formatBytes(_ bytes: Double) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var v = bytes, i = 0
        while v >= 1024, i < units.count - 1 { v /= 1024; i += 1 }
        if i == 0 { return "\(fixed(v, 0)) B" }
        return v == v.rounded() ? "\(fixed(v, 0)) \(units[i])" : "\(fixed(v, 2)) \(units[i])"
    }

    /// Latency for people from nanoseconds: `812 ns`, `10.4 µs`, `1.25 ms`, `2.000 s`.
    public static func formatNanos(_ ns: Double) -> String {
        if ns < 1e3 { return "\(fixed(ns, 0)) ns" }
        if ns < 1e6 { return "\(fixed(ns / 1e3, 1)) µs" }
        if ns < 1e9 { return "\(fixed(ns / 1e6, 2)) ms" }
        return "\(fixed(ns / 1e9, 3)) s"
    }

    /// A metric's value with its unit, scaled for display.
    public static func format(_ m: Metric) -> String {
        switch m.unit {
        case .bitsPerSecond: return formatRate(m.value)
        case .bytes: return formatBytes(m.value)
        case .seconds: return "\(fixed(m.value, 2)) s"
        case .nanoseconds: return formatNanos(m.value)
        case .perSecond: return "\(fixed(m.value, 0))/s"
        case .percent: return "\(fixed(m.value, 1)) %"
        case .microsecondsPerKB: return "\(fixed(m.value, 3)) µs/KB"
        case .count: return m.value == m.value.rounded() ? fixed(m.value, 0) : fixed(m.value, 2)
        }
    }

    /// A setting in seconds as given: one decimal at least (`10.0`), up to three when it has
    /// them (`0.04`, `1.25`), so that no test's parameters round it to another value.
    public static func settingSeconds(_ value: Double) -> String {
        var scale = 10.0
        for digits in 1...3 {
            let scaled = value * scale
            if abs(scaled - scaled.rounded()) < 1e-6 { return fixed(value, digits) }
            scale *= 10
        }
        return fixed(value, 3)
    }

    /// `value` with exactly `digits` decimals, no Foundation.
    public static func fixed(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        let sign = value < 0 && scaled > 0 ? "-" : ""
        guard scaled < 9.0e18 else { return "\(value)" }
        let whole = UInt64(scaled)
        if digits == 0 { return sign + String(whole) }
        let s = UInt64(scale)
        var frac = String(whole % s)
        while frac.count < digits { frac = "0" + frac }
        return "\(sign)\(whole / s).\(frac)"
    }

    private static func split(_ text: String) -> (String, String) {
        let t = text.trimmingSpaces
        guard let i = t.firstIndex(where: { !($0.isNumber || $0 == "." || $0 == "-" || $0 == "+") })
        else { return (t, "") }
        // Allow exponent notation (1e9) where the `e` is followed by a digit.
        if t[i] == "e" || t[i] == "E", let n = t.index(i, offsetBy: 1, limitedBy: t.endIndex), n < t.endIndex,
           t[n].isNumber || t[n] == "-" {
            let rest = t[n...]
            let j = rest.firstIndex(where: { !($0.isNumber || $0 == "-") }) ?? t.endIndex
            return (String(t[..<j]), String(t[j...]))
        }
        return (String(t[..<i]), String(t[i...]))
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}

/// The dates a subunit v1 `time:` line carries, read as python-subunit reads
/// them (the `iso8601` package's `parse_date`): the same accepted shapes,
/// UTC when no zone is given, the fraction cut (not rounded) to microseconds.
enum V1Time {
    /// nil when python would raise, or when the instant is outside what a v2
    /// timestamp can carry (python's encoder raises there too).
    static func parse(_ text: some Collection<UInt8>) -> Timestamp? {
        let s = Array(text)
        for fields in matches(s) {
            if let t = timestamp(fields) { return t }
            // The regex's first full match is the one python takes; a bad date there is an error.
            return nil
        }
        return nil
    }

    /// Fields of one way the text matches iso8601's regular expression.
    struct Fields {
        var year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0
        var fraction: ArraySlice<UInt8> = []
        /// Offset east of UTC in minutes; nil: no zone (UTC).
        var offsetMinutes: Int?
        var offsetHours = 0
    }

    /// Every full match, in the order the regex engine would try them (greedy
    /// first, then backtracking). Short strings: enumerating is cheap.
    static func matches(_ s: [UInt8]) -> [Fields] {
        var out: [Fields] = []
        guard s.count >= 4, let year = number(s, 0, 4) else { return out }
        var base = Fields()
        base.year = year
        // YYYY only.
        func tail(_ f: Fields, _ p: Int) { if p == s.count { out.append(f) } }
        // Month: "-M" or "-MM" (greedy), or "MM" not at the end.
        var months: [(Int, Int)] = []
        if at(s, 4, "-") {
            if let m = number(s, 5, 2) { months.append((m, 7)) }
            if let m = number(s, 5, 1) { months.append((m, 6)) }
        } else if let m = number(s, 4, 2), s.count > 6 {
            months.append((m, 6))
        }
        for (m, p) in months {
            var f = base
            f.month = m
            // Day: "-D"/"-DD" or "DD", then the optional time part.
            var days: [(Int, Int)] = []
            if at(s, p, "-") {
                if let d = number(s, p + 1, 2) { days.append((d, p + 3)) }
                if let d = number(s, p + 1, 1) { days.append((d, p + 2)) }
            } else if let d = number(s, p, 2) {
                days.append((d, p + 2))
            }
            for (d, q) in days {
                var g = f
                g.day = d
                for (h, r) in times(s, q) {
                    var k = g
                    k.hour = h.hour; k.minute = h.minute; k.second = h.second
                    k.fraction = h.fraction; k.offsetMinutes = h.offsetMinutes; k.offsetHours = h.offsetHours
                    tail(k, r)
                }
                tail(g, q)
            }
            tail(f, p)
        }
        tail(base, 4)
        return out
    }

    /// The optional `[ T]HH[:MM][:S[S][.frac]][zone]` part at `p`, each way it can end.
    private static func times(_ s: [UInt8], _ p: Int) -> [(Fields, Int)] {
        guard p < s.count, s[p] == UInt8(ascii: " ") || s[p] == UInt8(ascii: "T"),
              let hour = number(s, p + 1, 2) else { return [] }
        var out: [(Fields, Int)] = []
        var f = Fields()
        f.hour = hour
        let afterHour = p + 3
        var minutes: [(Int?, Int)] = []
        for colon in [1, 0] where colon == 0 || at(s, afterHour, ":") {
            if let m = number(s, afterHour + colon, 2) { minutes.append((m, afterHour + colon + 2)) }
        }
        minutes.append((nil, afterHour))
        for (minute, q) in minutes {
            var g = f
            g.minute = minute ?? 0
            var seconds: [(Int?, ArraySlice<UInt8>, Int)] = []
            for colon in [1, 0] where colon == 0 || at(s, q, ":") {
                for width in [2, 1] {
                    guard let sec = number(s, q + colon, width) else { continue }
                    let r = q + colon + width
                    if r < s.count, s[r] == UInt8(ascii: ".") || s[r] == UInt8(ascii: ",") {
                        var e = r + 1
                        while e < s.count, isDigit(s[e]) { e += 1 }
                        for end in stride(from: e, to: r + 1, by: -1) { seconds.append((sec, s[(r + 1)..<end], end)) }
                    }
                    seconds.append((sec, [], r))
                }
            }
            seconds.append((nil, [], q))
            for (sec, fraction, r) in seconds {
                var h = g
                h.second = sec ?? 0
                h.fraction = fraction
                for (zone, hours, e) in zones(s, r) {
                    var k = h
                    k.offsetMinutes = zone
                    k.offsetHours = hours
                    out.append((k, e))
                }
                out.append((h, r))
            }
        }
        return out
    }

    /// `Z`, or `±HH[:][MM]`: offset in minutes, the hour field (checked later), end.
    private static func zones(_ s: [UInt8], _ p: Int) -> [(Int, Int, Int)] {
        guard p < s.count else { return [] }
        if s[p] == UInt8(ascii: "Z") { return [(0, 0, p + 1)] }
        guard s[p] == UInt8(ascii: "+") || s[p] == UInt8(ascii: "-"), let hh = number(s, p + 1, 2) else { return [] }
        let sign = s[p] == UInt8(ascii: "-") ? -1 : 1
        var out: [(Int, Int, Int)] = []
        let q = p + 3
        if at(s, q, ":") {
            if let mm = number(s, q + 1, 2) { out.append((sign * (hh * 60 + mm), hh, q + 3)) }
            out.append((sign * hh * 60, hh, q + 1))
        } else {
            if let mm = number(s, q, 2) { out.append((sign * (hh * 60 + mm), hh, q + 2)) }
        }
        out.append((sign * hh * 60, hh, q))
        return out
    }

    /// The instant, or nil where python's `datetime` or the v2 encoder would refuse it.
    private static func timestamp(_ f: Fields) -> Timestamp? {
        guard f.year >= 1, (1...12).contains(f.month), f.day >= 1, f.day <= daysIn(f.month, f.year),
              f.hour < 24, f.minute < 60, f.second < 60 else { return nil }
        // datetime.timezone wants |offset| < 24 h.
        if let z = f.offsetMinutes, abs(z) >= 24 * 60 { return nil }
        var micro = 0
        for k in 0..<6 {
            let i = f.fraction.startIndex + k
            micro = micro * 10 + (i < f.fraction.endIndex ? Int(f.fraction[i] - UInt8(ascii: "0")) : 0)
        }
        let days = daysFromCivil(f.year, f.month, f.day)
        let seconds = days * 86_400 + f.hour * 3600 + f.minute * 60 + f.second - (f.offsetMinutes ?? 0) * 60
        guard seconds >= 0, seconds <= Int(UInt32.max) else { return nil }
        return Timestamp(seconds: UInt32(seconds), nanoseconds: UInt32(micro * 1000))
    }

    private static func daysIn(_ month: Int, _ year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    private static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    private static func at(_ s: [UInt8], _ p: Int, _ c: Unicode.Scalar) -> Bool { p < s.count && s[p] == UInt8(ascii: c) }

    /// Exactly `width` ASCII digits at `p`, as a number.
    private static func number(_ s: [UInt8], _ p: Int, _ width: Int) -> Int? {
        guard p >= 0, p + width <= s.count else { return nil }
        var v = 0
        for c in s[p..<(p + width)] {
            guard isDigit(c) else { return nil }
            v = v * 10 + Int(c - UInt8(ascii: "0"))
        }
        return v
    }
}

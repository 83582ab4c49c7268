/// How python-subunit's `TestProtocolServer` reads one line of a v1 stream.
enum V1Line {
    /// The directive a line's first word names.
    enum Command: Equatable {
        case test, error, failure, progress, skip, success, tags, time, xfail, uxsuccess
    }

    /// A line python treats as a directive: its command and where the argument
    /// starts (the first word's length plus one, whatever whitespace follows).
    /// nil: plain text (leading whitespace, one word only, or no known command).
    static func directive(_ line: some RandomAccessCollection<UInt8>) -> (Command, offset: Int)? {
        guard let first = line.first, !isSpace(first) else { return nil }
        guard let wordEnd = line.firstIndex(where: isSpace) else { return nil }
        // `split(None, 1)` yields two parts only when something follows the whitespace.
        guard line[wordEnd...].contains(where: { !isSpace($0) }) else { return nil }
        var word = Array(line[..<wordEnd])
        let offset = word.count + 1
        while word.last == UInt8(ascii: ":") { word.removeLast() }
        return command(word).map { ($0, offset) }
    }

    /// python tests the commands in this order; `skip` is compared with `in`
    /// against a byte string, so any part of "skip" (even an empty word, from
    /// a line starting with colons) reads as skip.
    private static func command(_ w: [UInt8]) -> Command? {
        let s = String(decoding: w, as: UTF8.self)
        if s == "test" || s == "testing" { return .test }
        if s == "error" { return .error }
        if s == "failure" { return .failure }
        if s == "progress" { return .progress }
        if contains("skip", w) { return .skip }
        if s == "success" || s == "successful" { return .success }
        if s == "tags" { return .tags }
        if s == "time" { return .time }
        if s == "xfail" { return .xfail }
        if s == "uxsuccess" { return .uxsuccess }
        return nil
    }

    private static func contains(_ haystack: String, _ needle: [UInt8]) -> Bool {
        let h = Array(haystack.utf8)
        if needle.isEmpty { return true }
        guard needle.count <= h.count else { return false }
        return (0...(h.count - needle.count)).contains { Array(h[$0..<($0 + needle.count)]) == needle }
    }

    /// ASCII whitespace as `bytes.split()` knows it.
    static func isSpace(_ c: UInt8) -> Bool {
        c == 0x20 || (c >= 0x09 && c <= 0x0D)
    }

    /// The bytes as a string a v2 packet can carry: nil where python's strict UTF-8
    /// decoding raises, and for a NUL, which v2 strings may not hold (python's 1to2 writes
    /// it, and its own v2 reader then refuses the packet).
    static func text(_ bytes: some Collection<UInt8>) -> String? {
        bytes.contains(0) ? nil : String(validating: bytes, as: UTF8.self)
    }

    /// Words of a `tags:` argument as `str.split()` splits them (Unicode whitespace).
    static func words(_ s: String) -> [String] {
        s.unicodeScalars.split(whereSeparator: isUnicodeSpace).map { String(String.UnicodeScalarView($0)) }
    }

    /// The characters python's `str.isspace()` accepts.
    private static func isUnicodeSpace(_ u: Unicode.Scalar) -> Bool {
        switch u.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            true
        default:
            false
        }
    }

    /// Whether python's `_handleProgress` accepts the argument: `push`, `pop`,
    /// or what `int()` reads (sign, digits, single underscores between digits).
    /// ibkit, like python's v1-to-v2 path, passes progress on nowhere.
    static func isValidProgress(_ arg: some Collection<UInt8>) -> Bool {
        var s = ArraySlice(arg)
        while let c = s.first, isSpace(c) { s.removeFirst() }
        while let c = s.last, isSpace(c) { s.removeLast() }
        if s.elementsEqual("push".utf8) || s.elementsEqual("pop".utf8) { return true }
        if let c = s.first, c == UInt8(ascii: "+") || c == UInt8(ascii: "-") { s.removeFirst() }
        guard let f = s.first, isDigit(f), let l = s.last, isDigit(l) else { return false }
        var previousUnderscore = false
        for c in s {
            if c == UInt8(ascii: "_") {
                if previousUnderscore { return false }
                previousUnderscore = true
            } else if isDigit(c) {
                previousUnderscore = false
            } else {
                return false
            }
        }
        return true
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    /// A chunked-encoding length line of a multipart detail (`1A\r\n`), as
    /// python's strict decoder accepts it; nil for anything else.
    static func chunkLength(_ line: some Collection<UInt8>) -> Int? {
        let a = Array(line)
        guard a.count >= 3, a[a.count - 2] == 0x0D, a[a.count - 1] == 0x0A, a.count - 2 <= 15 else { return nil }
        var v = 0
        for c in a[..<(a.count - 2)] {
            guard let d = hexDigit(c) else { return nil }
            v = v * 16 + d
        }
        return v
    }

    private static func hexDigit(_ c: UInt8) -> Int? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(c - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(c - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(c - UInt8(ascii: "A")) + 10
        default: nil
        }
    }
}

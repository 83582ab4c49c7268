/// The two versions of the subunit protocol.
public enum SubunitVersion: Sendable, Equatable, CustomStringConvertible {
    /// The line protocol of older runners (`test:`, `success:`, …).
    case v1
    /// The binary packet protocol (packets start with `0xB3`).
    case v2

    public var description: String { self == .v1 ? "v1" : "v2" }
}

/// Tells a v1 stream from a v2 one by its first bytes, as subunit's design
/// asks readers to: a v2 stream's first packet starts with `0xB3` (possibly
/// after text, such as a build log), a v1 stream's first directive is a line.
///
/// Lines are read in order. A line starting `test:`/`testing:`, `time:`,
/// `tags:` or `progress:` (the directives python's v1 parser acts on outside
/// a test, as python writes them) means v1; a `0xB3` that does not continue a
/// UTF-8 character means v2. A bare `test NAME` line (v1 allows it, and so
/// does a log line such as "testing the link") means v1 once an outcome line
/// names the same test, or when the input ends or the peek limit passes with
/// no packet seen. Other text is not evidence: a build log's `error: …` must
/// not turn a v2 stream into v1.
public enum ProtocolDetector {
    /// How far to look before settling.
    public static let peekLimit = 65_536

    /// The version `prefix` shows; nil when it shows neither yet and more may
    /// come. With `complete` (the whole input) or past `peekLimit`, undecided
    /// input counts as v2, the protocol of ibkit's own output, so text without
    /// packets is reported as it always was.
    public static func detect(_ prefix: some Collection<UInt8>, complete: Bool) -> SubunitVersion? {
        var text = TextState()
        var lineStart = prefix.startIndex
        var bareTest: [UInt8]?
        var i = prefix.startIndex
        while i != prefix.endIndex {
            let c = prefix[i]
            if c == Limits.signature && !text.midCharacter { return .v2 }
            text.feed(c)
            prefix.formIndex(after: &i)
            if c == 0x0A {
                if evidence(Array(prefix[lineStart..<i]), bareTest: &bareTest) { return .v1 }
                lineStart = i
            }
        }
        if complete && evidence(Array(prefix[lineStart...]), bareTest: &bareTest) { return .v1 }
        guard complete || prefix.count >= peekLimit else { return nil }
        return bareTest != nil ? .v1 : .v2
    }

    /// Whether `line` shows v1; notes the first bare `test NAME` in `bareTest`.
    private static func evidence(_ line: [UInt8], bareTest: inout [UInt8]?) -> Bool {
        guard let (command, offset) = V1Line.directive(line) else { return false }
        let colon = line[offset - 2] == UInt8(ascii: ":")
        let name = offset < line.count - 1 ? Array(line[offset..<(line.count - 1)]) : []
        switch command {
        case .test:
            if colon { return true }
            if bareTest == nil { bareTest = name }
            return false
        case .time, .tags, .progress:
            return colon
        case .success, .failure, .error, .skip, .xfail, .uxsuccess:
            guard let open = bareTest else { return false }
            return name == open || name == open + Array(" [".utf8) || name == open + Array(" [ multipart".utf8)
        }
    }
}

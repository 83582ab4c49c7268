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
/// a test) means v1; a `0xB3` that does not continue a UTF-8 character means
/// v2. Text before either is not evidence. Outcome lines are not evidence
/// either: a build log's `error: …` must not turn a v2 stream into v1.
public enum ProtocolDetector {
    /// How far to look before settling on v2, the protocol of ibkit's own output.
    public static let peekLimit = 65_536

    /// The version `prefix` shows; nil when it shows neither yet and more may
    /// come. With `complete` (the whole input) or past `peekLimit`, undecided
    /// input counts as v2, so text without packets is reported as it always was.
    public static func detect(_ prefix: some Collection<UInt8>, complete: Bool) -> SubunitVersion? {
        var text = TextState()
        var lineStart = prefix.startIndex
        var i = prefix.startIndex
        while i != prefix.endIndex {
            let c = prefix[i]
            if c == Limits.signature && !text.midCharacter { return .v2 }
            text.feed(c)
            prefix.formIndex(after: &i)
            if c == 0x0A {
                if startsV1(prefix[lineStart..<i]) { return .v1 }
                lineStart = i
            }
        }
        if complete && startsV1(prefix[lineStart...]) { return .v1 }
        return complete || prefix.count >= peekLimit ? .v2 : nil
    }

    /// python writes `test: ` with its colon; requiring it keeps a log line
    /// such as "testing the link" from counting.
    private static func startsV1(_ line: some Collection<UInt8>) -> Bool {
        let a = Array(line)
        guard let (command, offset) = V1Line.directive(a), a[offset - 2] == UInt8(ascii: ":") else { return false }
        switch command {
        case .test, .time, .tags, .progress: return true
        default: return false
        }
    }
}

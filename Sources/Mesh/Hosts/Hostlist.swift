/// Slurm's compressed host lists (`node[1-3,7],gpu[01-02]`), expanded the way
/// `scontrol show hostnames` does, so that `SLURM_STEP_NODELIST` can be read without
/// calling out to Slurm.
///
/// The rules follow Slurm's `hostlist.c` (`_hostlist_create_bracketed`):
/// - the list is split on commas, spaces and tabs that are outside brackets; empty
///   items are skipped;
/// - a range is `lo` or `lo-hi`, decimal, `lo <= hi`; the width of `lo` as written is
///   the zero-padded width of every name in it (`[08-10]` gives `08 09 10`,
///   `[8-10]` gives `8 9 10`);
/// - several bracket groups expand left to right, the leftmost varying slowest
///   (`rack[1-2]-n[01-02]` gives `rack1-n01 rack1-n02 rack2-n01 rack2-n02`);
/// - text after the last bracket group is an error, as it is in Slurm.
///
/// Checked against `scontrol show hostnames` of slurm-wlm 22.05, which gives the same
/// names for every valid list in the tests. Where Slurm is lenient about input it never
/// produces, this is strict: an unclosed `[` (22.05 prints a mangled name), a stray `]`
/// (kept as part of the name) and a list of more than `maxHosts` hosts are errors here.
public enum Hostlist {
    /// The most hosts one range may hold; Slurm's `MAX_RANGE`.
    public static let maxRange = 65_536
    /// The most hosts one list may expand to, so that `a[0-60000]b[0-60000]` is refused
    /// instead of exhausting memory.
    public static let maxHosts = 1 << 20

    /// The host names in `list`, in order, duplicates kept (Slurm keeps them too).
    public static func expand(_ list: String) throws(HostlistError) -> [String] {
        var hosts: [String] = []
        for item in try items(of: list) {
            try expandItem(item, into: &hosts)
        }
        return hosts
    }

    /// The comma/space-separated items of `list`, with separators inside brackets kept.
    static func items(of list: String) throws(HostlistError) -> [Substring] {
        var result: [Substring] = []
        var depth = 0
        var start = list.startIndex
        var index = list.startIndex
        while index < list.endIndex {
            let c = list[index]
            switch c {
            case "[":
                depth += 1
                if depth > 1 { throw HostlistError(list: list, problem: "nested '['") }
            case "]":
                if depth == 0 { throw HostlistError(list: list, problem: "']' without '['") }
                depth -= 1
            case ",", " ", "\t":
                if depth == 0 {
                    if start < index { result.append(list[start..<index]) }
                    start = list.index(after: index)
                }
            default:
                break
            }
            index = list.index(after: index)
        }
        if depth != 0 { throw HostlistError(list: list, problem: "'[' without ']'") }
        if start < list.endIndex { result.append(list[start...]) }
        return result
    }

    /// Appends the names of one item (`rack[1-2]-n[01-02]`) to `hosts`.
    static func expandItem(_ item: Substring, into hosts: inout [String]) throws(HostlistError) {
        // Literal text and the range lists between brackets, alternating: text, ranges, text, ….
        var literals: [Substring] = []
        var groups: [[NumberRange]] = []
        var rest = item
        while let open = rest.firstIndex(of: "[") {
            literals.append(rest[..<open])
            guard let close = rest[open...].firstIndex(of: "]") else {
                throw HostlistError(list: String(item), problem: "'[' without ']'")
            }
            let inner = rest[rest.index(after: open)..<close]
            groups.append(try ranges(in: inner, of: item))
            rest = rest[rest.index(after: close)...]
        }
        if !groups.isEmpty && !rest.isEmpty {
            throw HostlistError(list: String(item), problem: "text after the last ']' (\"\(rest)\")")
        }
        literals.append(rest)

        var total = 1
        for group in groups {
            let (product, overflow) = total.multipliedReportingOverflow(by: group.reduce(0) { $0 + $1.count })
            total = product
            if overflow || hosts.count + total > maxHosts {
                throw HostlistError(list: String(item), problem: "more than \(maxHosts) hosts")
            }
        }
        append(prefix: String(literals[0]), groups: groups[...], literals: literals.dropFirst(), into: &hosts)
    }

    private static func append(
        prefix: String, groups: ArraySlice<[NumberRange]>, literals: ArraySlice<Substring>,
        into hosts: inout [String]
    ) {
        guard let group = groups.first, let literal = literals.first else {
            hosts.append(prefix)
            return
        }
        for range in group {
            for n in range.lo...range.hi {
                append(
                    prefix: prefix + range.format(n) + literal,
                    groups: groups.dropFirst(), literals: literals.dropFirst(), into: &hosts)
            }
        }
    }

    /// The ranges of one bracket group: `1-3,7` or `01-02`.
    static func ranges(in inner: Substring, of item: Substring) throws(HostlistError) -> [NumberRange] {
        if inner.isEmpty { throw HostlistError(list: String(item), problem: "empty brackets") }
        var result: [NumberRange] = []
        for part in inner.split(separator: ",", omittingEmptySubsequences: false) {
            result.append(try NumberRange(part, of: item))
        }
        return result
    }
}

/// One `lo-hi` (or `lo`) range of a bracket group.
struct NumberRange: Equatable {
    var lo: Int
    var hi: Int
    /// Digits of `lo` as written: the zero-padded width of every name.
    var width: Int

    var count: Int { hi - lo + 1 }

    init(_ text: Substring, of item: Substring) throws(HostlistError) {
        let bounds = text.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard let low = Self.decimal(bounds[0]) else {
            throw HostlistError(list: String(item), problem: "invalid range \"\(text)\"")
        }
        var high = low
        if bounds.count == 2 {
            guard let h = Self.decimal(bounds[1]) else {
                throw HostlistError(list: String(item), problem: "invalid range \"\(text)\"")
            }
            high = h
        }
        if low > high {
            throw HostlistError(list: String(item), problem: "range \"\(text)\" runs backwards")
        }
        if high - low + 1 > Hostlist.maxRange {
            throw HostlistError(list: String(item), problem: "range \"\(text)\" has more than \(Hostlist.maxRange) hosts")
        }
        lo = low
        hi = high
        width = bounds[0].count
    }

    /// `n` zero-padded to the range's width.
    func format(_ n: Int) -> String {
        let digits = String(n)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// Plain decimal digits only: no sign, no spaces, at most 18 digits so `Int` cannot overflow.
    private static func decimal(_ s: Substring) -> Int? {
        guard !s.isEmpty, s.count <= 18, s.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(s)
    }
}

/// A host list that cannot be expanded; `description` is one line for stderr.
public struct HostlistError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The list, or the item of it, that failed.
    public let list: String
    public let problem: String

    public var description: String { "host list \"\(list)\": \(problem)" }
}

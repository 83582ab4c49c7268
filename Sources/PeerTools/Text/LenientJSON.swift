import OrderedJSON
extension JSONValue {
    /// A number, or a string holding one as the tools print them (`"64,588"`, `"9.41"`):
    /// perftest and iperf3 write some numbers as strings. Nil for a magnitude no tool prints
    /// (`Number.isPlausible`), `1e999` (infinity to `Double`) among them.
    var numeric: Double? {
        if let d = double { return Number.isPlausible(d) ? d : nil }
        if case .string(let s) = self { return Number.parse(s) }
        return nil
    }
}

/// Where lenient JSON stopped making sense: 1-based line, and what was expected there.
struct JSONSyntaxError: Error {
    let line: Int
    let text: Substring
    let expected: String
}

struct LenientJSONParser {
    private let bytes: [UInt8]
    private var i = 0
    /// Objects and arrays open around `i`. The parser recurses once per level, so a file of
    /// nothing but `[` would overflow the stack; the tools nest four or five levels.
    private var depth = 0
    static let maxDepth = 100

    static func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue {
        var p = LenientJSONParser(bytes: Array(text.utf8))
        p.skipBlanks()
        let v = try p.value()
        p.skipBlanks()
        guard p.i == p.bytes.count else { throw p.error("the end of the document") }
        return v
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private func error(_ expected: String) -> JSONSyntaxError {
        let before = bytes[..<min(i, bytes.count)]
        let line = before.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
        let start = before.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
        let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
        return JSONSyntaxError(line: line, text: Substring(decoding: bytes[start..<end], as: UTF8.self), expected: expected)
    }

    private mutating func skipBlanks() {
        while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
    }

    private mutating func value() throws(JSONSyntaxError) -> JSONValue {
        guard i < bytes.count else { throw error("a value") }
        switch bytes[i] {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard depth < Self.maxDepth else { throw error("at most \(Self.maxDepth) levels of nested objects and arrays") }
            depth += 1
            defer { depth -= 1 }
            return bytes[i] == UInt8(ascii: "{") ? try object() : try array()
        case UInt8(ascii: "\""): return .string(try quoted())
        default:
            let word = bare()
            guard !word.isEmpty else { throw error("a value") }
            switch word {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "null": return .null
            default:
                if let v = Double(word), word.first.map({ $0.isNumber || $0 == "-" }) == true { return .double(v) }
                return .string(word)
            }
        }
    }

    /// A bare token: up to a comma, closing bracket or end of line (perftest writes
    /// `test: RDMA_Write_BW_Test,`), trailing blanks removed.
    private mutating func bare() -> String {
        let start = i
        while i < bytes.count, ![UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x0A].contains(bytes[i]) { i += 1 }
        var end = i
        while end > start, [0x20, 0x09, 0x0D].contains(bytes[end - 1]) { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    private mutating func key() throws(JSONSyntaxError) -> String {
        if i < bytes.count, bytes[i] == UInt8(ascii: "\"") { return try quoted() }
        let start = i
        while i < bytes.count, bytes[i] != UInt8(ascii: ":"), bytes[i] != 0x0A { i += 1 }
        var end = i
        while end > start, [0x20, 0x09].contains(bytes[end - 1]) { end -= 1 }
        guard end > start else { throw error("a member name") }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    private mutating func object() throws(JSONSyntaxError) -> JSONValue {
        i += 1
        var members: [(String, JSONValue)] = []
        while true {
            skipBlanks()
            guard i < bytes.count else { throw error("} to close the object") }
            if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
            let k = try key()
            skipBlanks()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw error(": after the member name \"\(k)\"") }
            i += 1
            skipBlanks()
            members.append((k, try value()))
            skipBlanks()
            guard i < bytes.count else { throw error("} to close the object") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            guard bytes[i] == UInt8(ascii: "}") else { throw error(", or } after a member") }
        }
    }

    private mutating func array() throws(JSONSyntaxError) -> JSONValue {
        i += 1
        var items: [JSONValue] = []
        while true {
            skipBlanks()
            guard i < bytes.count else { throw error("] to close the array") }
            if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            items.append(try value())
            skipBlanks()
            guard i < bytes.count else { throw error("] to close the array") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            guard bytes[i] == UInt8(ascii: "]") else { throw error(", or ] after an element") }
        }
    }

    private mutating func quoted() throws(JSONSyntaxError) -> String {
        i += 1
        var out: [UInt8] = []
        while i < bytes.count {
            let c = bytes[i]
            i += 1
            if c == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
            if c == UInt8(ascii: "\\"), i < bytes.count {
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"):
                    guard i + 4 <= bytes.count,
                          let code = UInt32(String(decoding: bytes[i..<i + 4], as: UTF8.self), radix: 16) else {
                        throw error("four hex digits after \\u")
                    }
                    i += 4
                    out.append(contentsOf: Array(String(Unicode.Scalar(code).map(Character.init) ?? "\u{FFFD}").utf8))
                default: out.append(e)
                }
            } else {
                out.append(c)
            }
        }
        throw error("a closing quote")
    }
}

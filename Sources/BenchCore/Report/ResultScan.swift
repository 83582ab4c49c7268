#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Decodes a `result.json` attachment: the shape ibkit writes by a direct
/// scan, anything else by `JSONDecoder`.
///
/// JSONDecoder costs tens of microseconds per result, most of the time of a
/// report over a long stream. The scan accepts only a subset of JSON whose
/// meaning is plain: strings of printable ASCII, numbers
/// Swift parses exactly as JSONDecoder does (both round correctly), each key
/// of `BenchResult` and `Metric` at most once and no other; of the string
/// escapes, the one-letter ones. On anything else
/// (a `\u` escape, non-ASCII text, an unknown or repeated key, a number out of
/// range) it gives up and the decoder decides, so both paths agree on every input.
enum ResultScan {
    static func decode(_ bytes: [UInt8]) -> BenchResult? {
        if let r = bytes.withUnsafeBufferPointer({ buffer -> BenchResult? in
            var s = Scanner(buffer)
            return s.result()
        }) {
            return r
        }
        return try? JSONDecoder().decode(BenchResult.self, from: Data(bytes))
    }

    struct Scanner {
        let b: UnsafeBufferPointer<UInt8>
        var i = 0

        init(_ b: UnsafeBufferPointer<UInt8>) { self.b = b }

        mutating func result() -> BenchResult? {
            var test: String?, tool: String?, transport: BenchResult.Transport?
            var parameters: [String: String]?, metrics: [Metric]?, status: BenchResult.Status?
            var reason: String??, started: Double??, duration: Double??
            guard take(UInt8(ascii: "{")) else { return nil }
            if !take(UInt8(ascii: "}")) {
                repeat {
                    guard let key = key(), take(UInt8(ascii: ":")) else { return nil }
                    switch key {
                    case .test: guard test == nil, let v = string() else { return nil }; test = v
                    case .tool: guard tool == nil, let v = string() else { return nil }; tool = v
                    case .transport:
                        guard transport == nil, let v = oneOf(BenchResult.Transport.self) else { return nil }
                        transport = v
                    case .status:
                        guard status == nil, let v = oneOf(BenchResult.Status.self) else { return nil }
                        status = v
                    case .parameters: guard parameters == nil, let v = stringObject() else { return nil }; parameters = v
                    case .metrics: guard metrics == nil, let v = metricArray() else { return nil }; metrics = v
                    case .reason:
                        guard reason == nil else { return nil }
                        if null() { reason = .some(nil) } else if let v = string() { reason = v } else { return nil }
                    case .started:
                        guard started == nil else { return nil }
                        if null() { started = .some(nil) } else if let v = number() { started = v } else { return nil }
                    case .duration:
                        guard duration == nil else { return nil }
                        if null() { duration = .some(nil) } else if let v = number() { duration = v } else { return nil }
                    case .name, .value, .unit: return nil
                    }
                } while take(UInt8(ascii: ","))
                guard take(UInt8(ascii: "}")) else { return nil }
            }
            skipSpace()
            guard i == b.count, let test, let tool, let transport, let parameters, let metrics, let status
            else { return nil }
            return BenchResult(test: test, tool: tool, transport: transport, parameters: parameters, metrics: metrics,
                               status: status, reason: reason ?? nil, started: started ?? nil,
                               duration: duration ?? nil)
        }

        mutating func stringObject() -> [String: String]? {
            guard take(UInt8(ascii: "{")) else { return nil }
            var d = [String: String](minimumCapacity: 4)  // a handful without growing
            if take(UInt8(ascii: "}")) { return d }
            repeat {
                guard let k = string(), take(UInt8(ascii: ":")), let v = string(), d.updateValue(v, forKey: k) == nil
                else { return nil }
            } while take(UInt8(ascii: ","))
            return take(UInt8(ascii: "}")) ? d : nil
        }

        mutating func metricArray() -> [Metric]? {
            guard take(UInt8(ascii: "[")) else { return nil }
            var out: [Metric] = []
            if take(UInt8(ascii: "]")) { return out }
            out.reserveCapacity(4)
            repeat {
                guard let m = metric() else { return nil }
                out.append(m)
            } while take(UInt8(ascii: ","))
            return take(UInt8(ascii: "]")) ? out : nil
        }

        mutating func metric() -> Metric? {
            guard take(UInt8(ascii: "{")) else { return nil }
            var name: String?, value: Double?, unit: Metric.Unit?
            if !take(UInt8(ascii: "}")) {
                repeat {
                    guard let key = key(), take(UInt8(ascii: ":")) else { return nil }
                    switch key {
                    case .name: guard name == nil, let v = string() else { return nil }; name = v
                    case .value: guard value == nil, let v = number() else { return nil }; value = v
                    case .unit: guard unit == nil, let v = oneOf(Metric.Unit.self) else { return nil }; unit = v
                    default: return nil
                    }
                } while take(UInt8(ascii: ","))
                guard take(UInt8(ascii: "}")) else { return nil }
            }
            guard let name, let value, let unit else { return nil }
            return Metric(name, value, unit)
        }

        mutating func skipSpace() {
            while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
        }

        mutating func take(_ c: UInt8) -> Bool {
            skipSpace()
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }

        mutating func null() -> Bool {
            skipSpace()
            guard b.count - i >= 4, b[i] == UInt8(ascii: "n"), b[i + 1] == UInt8(ascii: "u"),
                  b[i + 2] == UInt8(ascii: "l"), b[i + 3] == UInt8(ascii: "l") else { return false }
            i += 4
            return true
        }

        /// The keys of `BenchResult` and `Metric`.
        enum Key {
            case test, tool, transport, status, parameters, metrics, reason, started, duration, name, value, unit
        }

        /// A key among `Key`, read without making a String (a result has about twenty);
        /// nil for any other key, or one written with an escape.
        mutating func key() -> Key? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = i
            while i < b.count, b[i] != UInt8(ascii: "\"") {
                guard b[i] >= 0x20, b[i] < 0x7F, b[i] != UInt8(ascii: "\\") else { return nil }
                i += 1
            }
            guard i < b.count else { return nil }
            let count = i - start
            let p = b.baseAddress! + start
            i += 1
            func equals(_ s: StaticString) -> Bool { memcmp(s.utf8Start, p, count) == 0 }
            switch count {
            case 4: return equals("test") ? .test : equals("tool") ? .tool : equals("name") ? .name : equals("unit") ? .unit : nil
            case 5: return equals("value") ? .value : nil
            case 6: return equals("status") ? .status : equals("reason") ? .reason : nil
            case 7: return equals("metrics") ? .metrics : equals("started") ? .started : nil
            case 8: return equals("duration") ? .duration : nil
            case 9: return equals("transport") ? .transport : nil
            case 10: return equals("parameters") ? .parameters : nil
            default: return nil
            }
        }

        /// A string of printable ASCII, else nil. Of the escapes only the
        /// one-letter ones are taken: JSONEncoder writes `/` as `\/` unless told not to.
        mutating func string() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = i
            // Most strings have no escape: they are made straight from the input.
            while i < b.count {
                let c = b[i]
                if c == UInt8(ascii: "\"") {
                    i += 1
                    return String(decoding: UnsafeBufferPointer(rebasing: b[start..<i - 1]), as: UTF8.self)
                }
                if c == UInt8(ascii: "\\") { break }
                guard c >= 0x20, c < 0x7F else { return nil }
                i += 1
            }
            var unescaped = Array(UnsafeBufferPointer(rebasing: b[start..<i]))
            while i < b.count {
                let c = b[i]
                if c == UInt8(ascii: "\"") {
                    i += 1
                    return String(decoding: unescaped, as: UTF8.self)
                }
                guard c >= 0x20, c < 0x7F else { return nil }
                if c == UInt8(ascii: "\\") {
                    guard i + 1 < b.count, let e = Self.escaped(b[i + 1]) else { return nil }
                    unescaped.append(e)
                    i += 2
                    continue
                }
                unescaped.append(c)
                i += 1
            }
            return nil
        }

        /// A string that is one of `T`'s raw values, compared as bytes with its escapes
        /// decoded (units come as `bit\/s`), without making a String; nil for any other
        /// string, as `string().flatMap(T.init)` gives.
        mutating func oneOf<T: CaseIterable & RawRepresentable>(_: T.Type) -> T? where T.RawValue == String {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = i
            for candidate in T.allCases {
                i = start
                if rest(is: candidate.rawValue) { return candidate }
            }
            return nil
        }

        /// Whether the string from `i` to its closing quote is `expected`; on true, `i` is past the quote.
        private mutating func rest(is expected: String) -> Bool {
            var expected = expected
            return expected.withUTF8 { e in
                var k = 0
                while i < b.count {
                    var c = b[i]
                    guard c >= 0x20, c < 0x7F else { return false }
                    i += 1
                    if c == UInt8(ascii: "\"") { return k == e.count }
                    if c == UInt8(ascii: "\\") {
                        guard i < b.count, let byte = Self.escaped(b[i]) else { return false }
                        c = byte
                        i += 1
                    }
                    guard k < e.count, e[k] == c else { return false }
                    k += 1
                }
                return false
            }
        }

        /// The byte a one-letter escape stands for (`n` of `\n`: 0x0A); nil for any other,
        /// `\u` included, which the decoder decides.
        static func escaped(_ letter: UInt8) -> UInt8? {
            switch letter {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): letter
            case UInt8(ascii: "b"): 0x08
            case UInt8(ascii: "f"): 0x0C
            case UInt8(ascii: "n"): 0x0A
            case UInt8(ascii: "r"): 0x0D
            case UInt8(ascii: "t"): 0x09
            default: nil
            }
        }

        /// A JSON number that parses to a finite Double, else nil.
        mutating func number() -> Double? {
            skipSpace()
            let start = i
            func digits(_ s: inout Scanner) -> Int {
                let from = s.i
                while s.i < s.b.count, s.b[s.i] >= UInt8(ascii: "0"), s.b[s.i] <= UInt8(ascii: "9") { s.i += 1 }
                return s.i - from
            }
            if i < b.count, b[i] == UInt8(ascii: "-") { i += 1 }
            let lead = i
            guard digits(&self) > 0, b[lead] != UInt8(ascii: "0") || i == lead + 1 else { return nil }
            if i - lead <= 15, i == b.count || (b[i] != UInt8(ascii: ".") && b[i] | 0x20 != UInt8(ascii: "e")) {
                // An integer below 10^15 is exact as a Double: no rounding to agree on.
                var v: Int64 = 0
                for k in lead..<i { v = v * 10 + Int64(b[k] &- UInt8(ascii: "0")) }
                return lead > start ? -Double(v) : Double(v)
            }
            if i < b.count, b[i] == UInt8(ascii: ".") {
                i += 1
                guard digits(&self) > 0 else { return nil }
            }
            if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
                i += 1
                if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
                guard digits(&self) > 0 else { return nil }
            }
            // Long literals are left to the decoder rather than trusted to round alike.
            guard i - start <= 24 else { return nil }
            let text = String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self)
            guard let v = Double(text), v.isFinite else { return nil }
            return v
        }
    }
}

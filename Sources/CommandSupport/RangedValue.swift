/// A number on the command line outside what the option takes. Thrown from an
/// option's `transform`, it becomes ArgumentParser's usage error (exit 64) that
/// names the option: `The value '0' is invalid for '-P <parallel>': give 1 to 128`.
public struct ValueOutOfRange: Error, CustomStringConvertible, Sendable {
    /// What the option takes, e.g. `1 to 128` or `0.1 to 86400 seconds`.
    public let expected: String
    public init(expected: String) { self.expected = expected }
    public var description: String { "give \(expected)" }
}

/// Parsers for `@Option(transform:)` that check the range while parsing, so that
/// nothing downstream sees NaN, infinity, a negative count or an integer that
/// overflowed.
public enum RangedValue {
    /// A whole number in `range`; anything else (a fraction, overflow, junk) is out of range.
    public static func integer<I: FixedWidthInteger & Sendable>(_ range: ClosedRange<I>, unit: String = "")
        -> @Sendable (String) throws -> I {
        { text in
            guard let value = I(text), range.contains(value) else {
                throw ValueOutOfRange(expected: "\(range.lowerBound) to \(range.upperBound)\(unit.isEmpty ? "" : " " + unit)")
            }
            return value
        }
    }

    /// A finite decimal number of seconds in `range` (`1e300`, `nan` and `inf` are out of it).
    public static func seconds(_ range: ClosedRange<Double>) -> @Sendable (String) throws -> Double {
        { text in
            guard let value = Double(text), value.isFinite, range.contains(value) else {
                throw ValueOutOfRange(expected: "\(plain(range.lowerBound)) to \(plain(range.upperBound)) seconds")
            }
            return value
        }
    }

    /// A finite decimal number in `range`, of `unit` (e.g. `percent`).
    public static func decimal(_ range: ClosedRange<Double>, unit: String) -> @Sendable (String) throws -> Double {
        { text in
            guard let value = Double(text), value.isFinite, range.contains(value) else {
                throw ValueOutOfRange(expected: "\(plain(range.lowerBound)) to \(plain(range.upperBound)) \(unit)")
            }
            return value
        }
    }

    /// `0.1`, `3600`: a bound as people write it.
    public static func plain(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}

/// Reading values out of another tool's JSON, forgiving about how it spelled them: numbers
/// written as strings, booleans as 0/1.
extension JSONValue {
    /// The member `key` of an object; the first one where the key repeats.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    /// A number (integral or not).
    public var double: Double? {
        switch self {
        case .int(let i): Double(i)
        case .double(let d): d
        default: nil
        }
    }

    /// A string, or a number or boolean written as one.
    public var string: String? {
        switch self {
        case .string(let s): s
        case .int(let i): String(i)
        case .double(let d): JSONValue.numberText(d)
        case .bool(let b): String(b)
        default: nil
        }
    }

    public var array: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// A boolean, or a number standing for one (0 is false).
    public var bool: Bool? {
        switch self {
        case .bool(let b): b
        case .int(let i): i != 0
        case .double(let d): d != 0
        default: nil
        }
    }
}

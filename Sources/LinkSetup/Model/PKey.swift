/// An InfiniBand partition key as given for a P_Key child interface.
///
/// The kernel's `create_child` accepts 0x0001–0xffff except 0x8000 (the
/// full-member bit alone), names the child `PARENT.%04x` of the value as
/// written, and ORs in the full-member bit 0x8000 for the partition itself.
public struct PKey: Hashable, Sendable, CustomStringConvertible {
    public let value: UInt16

    public init(_ value: UInt16) throws(LinkSetupError) {
        guard value != 0, value != 0x8000 else { throw .invalidPKey("0x" + Self.hex(Int(value))) }
        self.value = value
    }

    /// Parses `0x8001` or `8001`: P_Keys are hexadecimal everywhere (sysfs,
    /// opensm's partitions.conf, child names), so bare digits are hex too.
    public init(parsing text: String) throws(LinkSetupError) {
        let lower = text.lowercased()
        let digits = lower.hasPrefix("0x") ? String(lower.dropFirst(2)) : lower
        // Hex digits only: `Int(_:radix:)` would take a sign too, and "-1" is no P_Key.
        let isHexDigit = { (c: UInt8) in (0x30...0x39).contains(c) || (0x61...0x66).contains(c) }
        guard !digits.isEmpty, digits.count <= 8, digits.utf8.allSatisfy(isHexDigit),
              let number = UInt32(digits, radix: 16), number <= 0xffff else {
            throw .invalidPKey(text)
        }
        try self.init(UInt16(number))
    }

    /// `8001`: the suffix of the child's name.
    public var nameSuffix: String { Self.hex(Int(value)).lowercased() }

    /// The P_Key the partition table holds (full-member bit set).
    public var fullMember: UInt16 { value | 0x8000 }

    /// `0x8001`.
    public var description: String { "0x" + nameSuffix }

    /// The child's name: the kernel's `"%.10s.%04x"` of parent name and P_Key.
    public func childName(of parent: String) -> String { String(parent.prefix(10)) + "." + nameSuffix }

    static func hex(_ value: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

/// A 64-bit InfiniBand GUID (node, system image or port GUID).
///
/// Written the way sysfs writes it (`node_guid`: `"%04x:%04x:%04x:%04x"`),
/// e.g. `0002:c903:0031:fdc0`; `ibstat` prints the same value as
/// `0x0002c9030031fdc0` (``hexString``).
public struct GUID: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// Parses the sysfs form `0002:c903:0031:fdc0`; nil for anything else.
    public init?(sysfs text: String) {
        let groups = text.split(separator: ":", omittingEmptySubsequences: false)
        guard groups.count == 4, groups.allSatisfy({ $0.count == 4 }) else { return nil }
        var value: UInt64 = 0
        for group in groups {
            guard let part = UInt16(group, radix: 16) else { return nil }
            value = value << 16 | UInt64(part)
        }
        rawValue = value
    }

    /// `0002:c903:0031:fdc0`, as sysfs and `ibv_devinfo` print it.
    public var description: String {
        (0..<4).map { hex4(UInt16(truncatingIfNeeded: rawValue >> (48 - 16 * $0))) }.joined(separator: ":")
    }

    /// `0x0002c9030031fdc0`, as `ibstat` and `sminfo` print it.
    public var hexString: String {
        let digits = String(rawValue, radix: 16)
        return "0x" + String(repeating: "0", count: 16 - digits.count) + digits
    }
}

/// A 128-bit GID: the subnet prefix and, for port GIDs, the port GUID.
///
/// sysfs writes it with `%pI6` (`gids/<i>`): eight groups of four lowercase
/// hex digits, `fe80:0000:0000:0000:0002:c903:0031:fdc1`.
public struct GID: Hashable, Sendable, CustomStringConvertible {
    public var subnetPrefix: UInt64
    public var interfaceID: UInt64
    public init(subnetPrefix: UInt64, interfaceID: UInt64) {
        self.subnetPrefix = subnetPrefix
        self.interfaceID = interfaceID
    }

    /// Parses the sysfs form (eight groups of 1–4 hex digits); nil otherwise.
    public init?(sysfs text: String) {
        let groups = text.split(separator: ":", omittingEmptySubsequences: false)
        guard groups.count == 8 else { return nil }
        var words: [UInt64] = []
        for group in groups {
            guard (1...4).contains(group.count), let word = UInt16(group, radix: 16) else { return nil }
            words.append(UInt64(word))
        }
        subnetPrefix = words[0..<4].reduce(0) { $0 << 16 | $1 }
        interfaceID = words[4..<8].reduce(0) { $0 << 16 | $1 }
    }

    /// The GID in bytes 4–19 of a 20-byte IPoIB hardware address; nil when
    /// `address` is not 20 bytes long.
    public init?(ipoibHardwareAddress address: [UInt8]) {
        guard address.count == 20 else { return nil }
        subnetPrefix = address[4..<12].reduce(0) { $0 << 8 | UInt64($1) }
        interfaceID = address[12..<20].reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// The lower 64 bits: the port GUID for a port's GID 0.
    public var guid: GUID { GUID(rawValue: interfaceID) }

    /// True for the all-zero interface ID that unused GID table slots read.
    public var isUnset: Bool { interfaceID == 0 }

    public var description: String {
        let words = (0..<4).map { UInt16(truncatingIfNeeded: subnetPrefix >> (48 - 16 * $0)) }
            + (0..<4).map { UInt16(truncatingIfNeeded: interfaceID >> (48 - 16 * $0)) }
        return words.map(hex4).joined(separator: ":")
    }
}

func hex4(_ value: UInt16) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 4 - digits.count) + digits
}

func hex(_ value: some BinaryInteger, width: Int) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, width - digits.count)) + digits
}

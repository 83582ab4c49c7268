/// Parsers for the formats sysfs attributes are printed in
/// (drivers/infiniband/core/sysfs.c, net/core/net-sysfs.c). Each returns nil
/// for text of any other shape.
enum AttributeFormat {
    /// `"0x%x"` (lid, sm_lid, pkey, dev_id) or `"0x%08x"` (cap_mask).
    static func hex<T: FixedWidthInteger & UnsignedInteger>(_ text: String, as type: T.Type = T.self) -> T? {
        guard text.hasPrefix("0x"), text.count > 2 else { return nil }
        return T(text.dropFirst(2), radix: 16)
    }

    /// `"%d"` / `"%u"` (mtu, dev_port, lid_mask_count, ifindex).
    static func decimal(_ text: String) -> Int? {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-") }) else { return nil }
        return Int(text)
    }

    /// `0` or `1` (carrier).
    static func flag(_ text: String) -> Bool? {
        switch text {
        case "0": false
        case "1": true
        default: nil
        }
    }

    /// Colon-separated hex bytes (`address`): `80:00:00:48:fe:80:...`.
    static func hardwareAddress(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard !parts.isEmpty, parts.allSatisfy({ $0.count == 2 }) else { return nil }
        let bytes = parts.compactMap { UInt8($0, radix: 16) }
        return bytes.count == parts.count ? bytes : nil
    }

    /// A non-empty single-line string (fw_ver, board_id, node_desc ...);
    /// empty text (rxe's `fw_ver`) is nil.
    static func nonEmpty(_ text: String) -> String? {
        text.isEmpty ? nil : text
    }

    /// A `"<n>: <words>"` attribute whose words match the kernel's name for
    /// code `n` (so garbage with a plausible number is still caught).
    static func numbered(_ text: String) -> NumberedText? {
        NumberedText(parsing: text).flatMap { $0.words.isEmpty ? nil : $0 }
    }
}

import Glibc

/// An address with its prefix length on an interface: `10.0.0.1/24`, `fd00::1/64`.
public struct InterfaceAddress: Hashable, Sendable, CustomStringConvertible, Comparable {
    public enum Family: String, Sendable, Codable { case ipv4, ipv6 }

    public let family: Family
    /// 4 or 16 bytes, network order.
    public let bytes: [UInt8]
    public let prefixLength: Int

    public init(family: Family, bytes: [UInt8], prefixLength: Int) {
        self.family = family
        self.bytes = bytes
        self.prefixLength = prefixLength
    }

    /// Parses `ADDRESS/PREFIX`. The prefix is required: an interface address
    /// without one would silently become a /32 or /128 host route.
    public init(cidr text: String) throws(LinkSetupError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw .invalidAddress(text, reason: "expected ADDRESS/PREFIX, e.g. 10.0.0.1/24 or fd00::1/64")
        }
        let host = String(parts[0])
        guard let prefix = Int(parts[1]) else {
            throw .invalidAddress(text, reason: "the prefix length '\(parts[1])' is not a number")
        }
        let family: Family = host.contains(":") ? .ipv6 : .ipv4
        let size = family == .ipv4 ? 4 : 16
        var buffer = [UInt8](repeating: 0, count: size)
        let ok = buffer.withUnsafeMutableBytes { inet_pton(family == .ipv4 ? AF_INET : AF_INET6, host, $0.baseAddress) }
        guard ok == 1 else {
            throw .invalidAddress(text, reason: "'\(host)' is not an \(family == .ipv4 ? "IPv4" : "IPv6") address")
        }
        let maximum = size * 8
        guard (1...maximum).contains(prefix) else {
            throw .invalidAddress(text, reason: "the prefix length must be 1 to \(maximum)")
        }
        guard buffer.contains(where: { $0 != 0 }) else {
            throw .invalidAddress(text, reason: "the unspecified address cannot be assigned")
        }
        if family == .ipv4, buffer[0] >= 224 {
            throw .invalidAddress(text, reason: "multicast and reserved IPv4 addresses cannot be assigned")
        }
        if family == .ipv6, buffer[0] == 0xff {
            throw .invalidAddress(text, reason: "multicast IPv6 addresses cannot be assigned")
        }
        self.init(family: family, bytes: buffer, prefixLength: prefix)
    }

    /// The address without the prefix: `10.0.0.1`, `fd00::1`.
    public var host: String {
        var text = [CChar](repeating: 0, count: 64)
        _ = bytes.withUnsafeBytes { inet_ntop(family == .ipv4 ? AF_INET : AF_INET6, $0.baseAddress, &text, 64) }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public var description: String { "\(host)/\(prefixLength)" }

    /// IPv6 `fe80::/10`: the kernel manages these itself.
    public var isLinkLocal: Bool {
        family == .ipv6 ? bytes[0] == 0xfe && bytes[1] & 0xc0 == 0x80 : bytes[0] == 169 && bytes[1] == 254
    }

    /// The netmask in dotted form (IPv4 only), for tools that want one.
    public var netmask: String? {
        guard family == .ipv4 else { return nil }
        let mask: UInt32 = prefixLength == 0 ? 0 : ~UInt32(0) << (32 - prefixLength)
        return (0..<4).map { String((mask >> (24 - 8 * $0)) & 0xff) }.joined(separator: ".")
    }

    public static func < (a: Self, b: Self) -> Bool {
        if a.family != b.family { return a.family == .ipv4 }
        if a.bytes != b.bytes { return a.bytes.lexicographicallyPrecedes(b.bytes) }
        return a.prefixLength < b.prefixLength
    }
}

/// NetworkManager (1.42 on Debian 12): printed, the `nmcli` commands that
/// create the connection on a running system; installed, the keyfile
/// `/etc/NetworkManager/system-connections/IFACE.nmconnection` that NetworkManager
/// itself writes for them (the same keys, sections and order as
/// `nmcli --offline connection add`), so it also works in an image.
enum NMCliStanza {
    static let directory = "/etc/NetworkManager/system-connections"

    static func render(_ s: StanzaSettings) -> StanzaFile {
        StanzaFile(path: "\(directory)/\(s.interface).nmconnection", contents: keyfile(s),
                   interfaces: [s.interface] + (s.parent.map { [$0] } ?? []),
                   permissions: 0o600, commands: commands(s))
    }

    static func commands(_ s: StanzaSettings) -> String {
        var words = ["nmcli", "connection", "add", "type", "infiniband",
                     "con-name", s.interface, "ifname", s.interface]
        if let parent = s.parent, let pkey = s.pkey {
            words += ["infiniband.parent", parent, "infiniband.p-key", pkey.description]
        }
        words += ["infiniband.transport-mode", s.mode.rawValue]
        if let mtu = s.mtu { words += ["infiniband.mtu", String(mtu)] }
        switch s.method {
        case .static:
            words += s.ipv4.isEmpty ? ["ipv4.method", "disabled"]
                : ["ipv4.method", "manual", "ipv4.addresses", s.ipv4.map(\.description).joined(separator: ",")]
        case .dhcp: words += ["ipv4.method", "auto"]
        case .manual: words += ["ipv4.method", "disabled"]
        }
        words += s.ipv6.isEmpty ? ["ipv6.method", "disabled"]
            : ["ipv6.method", "manual", "ipv6.addresses", s.ipv6.map(\.description).joined(separator: ",")]
        return "# \(s.headline). Written by ibsetup stanza.\n"
            + words.joined(separator: " ") + "\nnmcli connection up \(s.interface)\n"
    }

    static func keyfile(_ s: StanzaSettings) -> String {
        var lines = ["# \(s.headline). Written by ibsetup stanza.",
                     "[connection]", "id=\(s.interface)", "uuid=\(uuid(for: s.interface))",
                     "type=infiniband", "interface-name=\(s.interface)", "", "[infiniband]"]
        if let mtu = s.mtu { lines.append("mtu=\(mtu)") }
        if let parent = s.parent, let pkey = s.pkey {
            // NetworkManager stores the P_Key as a decimal number.
            lines += ["p-key=\(pkey.value)", "parent=\(parent)"]
        }
        lines += ["transport-mode=\(s.mode.rawValue)", "", "[ipv4]"]
        let ipv4Method: String
        switch s.method {
        case .static: ipv4Method = s.ipv4.isEmpty ? "disabled" : "manual"
        case .dhcp: ipv4Method = "auto"
        case .manual: ipv4Method = "disabled"
        }
        lines += s.ipv4.enumerated().map { "address\($0.offset + 1)=\($0.element)" }
        lines += ["method=\(ipv4Method)", "", "[ipv6]", "addr-gen-mode=default"]
        lines += s.ipv6.enumerated().map { "address\($0.offset + 1)=\($0.element)" }
        lines += ["method=\(s.ipv6.isEmpty ? "disabled" : "manual")", "", "[proxy]"]
        return lines.joined(separator: "\n") + "\n"
    }

    /// The same UUID every time for the same connection name, so writing the
    /// keyfile again leaves it unchanged: FNV-1a (128 bits) of the name, marked
    /// as an RFC 9562 version 8 (vendor-specific) UUID.
    static func uuid(for name: String) -> String {
        var hash: UInt128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d
        let prime: UInt128 = 0x0000_0000_0100_0000_0000_0000_0000_013b
        for byte in "ibsetup stanza nmcli \(name)".utf8 {
            hash ^= UInt128(byte)
            hash &*= prime
        }
        hash = (hash & ~(UInt128(0xf) << 76)) | (UInt128(0x8) << 76)        // version 8
        hash = (hash & ~(UInt128(0x3) << 62)) | (UInt128(0x2) << 62)        // variant 10
        let hex = String(hash, radix: 16)
        let digits = Array(String(repeating: "0", count: 32 - hex.count) + hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(digits[$0]) }.joined(separator: "-")
    }
}

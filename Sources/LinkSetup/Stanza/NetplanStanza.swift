/// netplan (`/etc/netplan/60-ibsetup-IFACE.yaml`): `infiniband-mode` (netplan
/// 0.105 and later). netplan has no P_Key children.
enum NetplanStanza {
    static func render(_ s: StanzaSettings) throws(LinkSetupError) -> StanzaFile {
        if s.pkey != nil {
            throw .unsupported(s.interface, what: "netplan cannot create P_Key children",
                               next: "use --format networkd or --format nmcli")
        }
        var lines = ["# \(s.headline). Written by ibsetup stanza.",
                     "network:", "  version: 2", "  ethernets:", "    \(s.interface):"]
        lines.append("      infiniband-mode: \(s.mode.rawValue)")
        if let mtu = s.mtu { lines.append("      mtu: \(mtu)") }
        if s.method == .dhcp { lines.append("      dhcp4: true") }
        if !s.addresses.isEmpty {
            lines.append("      addresses:")
            lines += s.addresses.map { "        - \"\($0)\"" }
        }
        return StanzaFile(path: "/etc/netplan/60-ibsetup-\(s.interface).yaml",
                          contents: lines.joined(separator: "\n") + "\n", interfaces: [s.interface])
    }
}

/// netplan (`/etc/netplan/60-ibsetup-IFACE.yaml`): `infiniband-mode` (netplan
/// 0.105 and later) and the udev rule that really sets the mode, because the
/// `[IPoIB] Mode=` netplan writes for systemd-networkd is ignored by
/// networkd 252 (Debian 12). netplan cannot create P_Key children: for one,
/// the file holds what netplan can say (mode, MTU, addresses, applied once the
/// child exists) and says what it leaves out.
enum NetplanStanza {
    static func render(_ s: StanzaSettings) -> [StanzaFile] {
        var lines = ["# \(s.headline). Written by ibsetup stanza.",
                     "# Targets netplan 0.105 and later (Debian 12: 0.106) on systemd 252 and later; the mode is set by",
                     "# \(UdevModeRule.path(s.interface)) (networkd ignores netplan's [IPoIB] Mode=)."]
        var leftOut: [String] = []
        if let parent = s.parent, let pkey = s.pkey {
            let note = "\(s.interface): netplan cannot create P_Key children, so nothing creates this one;"
                + " create it with 'echo \(pkey) > /sys/class/net/\(parent)/create_child', or use --format networkd or nmcli"
            leftOut.append(note)
            lines.append("# Left out: \(note)")
        }
        lines += ["network:", "  version: 2", "  ethernets:", "    \(s.interface):"]
        lines.append("      infiniband-mode: \(s.mode.rawValue)")
        if let mtu = s.mtu { lines.append("      mtu: \(mtu)") }
        if s.method == .dhcp { lines.append("      dhcp4: true") }
        if !s.addresses.isEmpty {
            lines.append("      addresses:")
            lines += s.addresses.map { "        - \"\($0)\"" }
        }
        return [StanzaFile(path: "/etc/netplan/60-ibsetup-\(s.interface).yaml",
                           contents: lines.joined(separator: "\n") + "\n", interfaces: [s.interface],
                           permissions: 0o600, leftOut: leftOut),
                UdevModeRule.render(s)]
    }
}

/// Debian ifupdown (`/etc/network/interfaces.d/IFACE`).
///
/// The mode is written in `pre-up`, which ifupdown runs before it applies
/// `mtu` (`ip link set dev IFACE mtu N up`): 65520 only exists in connected mode.
/// A P_Key child named `PARENT.PKEY` is created and deleted by ifupdown 0.8
/// itself (its `link` method writes `create_child` before `pre-up` and
/// `delete_child` after `down` when the parent's type is 32), so the stanza
/// only brings the parent up. A parent of more than 10 characters, whose
/// child's name the kernel shortens, is not recognised by ifupdown: then the
/// stanza writes both itself, each only when needed.
enum IfUpDownStanza {
    static func render(_ s: StanzaSettings) -> StanzaFile {
        var lines = ["# \(s.headline). Written by ibsetup stanza.", "auto \(s.interface)"]
        let first: String = switch s.method {
        case .static: s.ipv4.isEmpty ? "inet6 static" : "inet static"
        case .dhcp: "inet dhcp"
        case .manual: "inet manual"
        }
        lines.append("iface \(s.interface) \(first)")
        let firstAddresses = s.method == .static ? (s.ipv4.isEmpty ? s.ipv6 : s.ipv4) : []
        if let head = firstAddresses.first { lines.append("    address \(head)") }
        // The dhcp method has no `mtu` option: set it in pre-up, after the mode.
        if let mtu = s.mtu, s.method != .dhcp { lines.append("    mtu \(mtu)") }
        if let parent = s.parent, let pkey = s.pkey {
            // ifupdown brings the parent of a VLAN up, not that of a P_Key child.
            lines.append("    pre-up ip link set dev \(parent) up")
            if ifupdownCreates(s) {
                lines.insert("# ifupdown creates and deletes \(s.interface) itself (create_child, delete_child on \(parent)).", at: 1)
            } else {
                lines.append("    pre-up [ -e /sys/class/net/\(s.interface) ] || echo \(pkey) > /sys/class/net/\(parent)/create_child")
            }
        }
        lines.append("    pre-up echo \(s.mode.rawValue) > /sys/class/net/\(s.interface)/mode")
        if let mtu = s.mtu, s.method == .dhcp { lines.append("    pre-up ip link set dev \(s.interface) mtu \(mtu)") }
        for extra in firstAddresses.dropFirst() {
            lines.append("    up ip addr add \(extra) dev \(s.interface)")
            lines.append("    down ip addr del \(extra) dev \(s.interface)")
        }
        if let parent = s.parent, let pkey = s.pkey, !ifupdownCreates(s) {
            // ifupdown's own down step may have removed it already (ip link del).
            lines.append("    post-down [ ! -e /sys/class/net/\(s.interface) ] || echo \(pkey) > /sys/class/net/\(parent)/delete_child")
        }
        // IPv6 addresses in their own stanza when IPv4 (or DHCP) took the first one.
        let rest: [InterfaceAddress] = switch s.method {
        case .static: s.ipv4.isEmpty ? [] : s.ipv6
        case .dhcp: s.ipv6
        case .manual: []
        }
        if let head = rest.first {
            lines += ["", "iface \(s.interface) inet6 static", "    address \(head)"]
            for extra in rest.dropFirst() {
                lines.append("    up ip -6 addr add \(extra) dev \(s.interface)")
                lines.append("    down ip -6 addr del \(extra) dev \(s.interface)")
            }
        }
        return StanzaFile(path: "/etc/network/interfaces.d/\(s.interface)",
                          contents: lines.joined(separator: "\n") + "\n", interfaces: [s.interface])
    }

    /// ifupdown's `link` method takes `PARENT.HEX` apart into the parent and
    /// the P_Key; a child name the kernel shortened names no parent.
    static func ifupdownCreates(_ s: StanzaSettings) -> Bool {
        guard let parent = s.parent, let pkey = s.pkey else { return false }
        return s.interface == parent + "." + pkey.nameSuffix
    }
}

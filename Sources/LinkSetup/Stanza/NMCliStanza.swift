/// NetworkManager: the `nmcli` command that creates the connection
/// (`infiniband.transport-mode`, `infiniband.p-key` and `infiniband.parent` for children).
enum NMCliStanza {
    static func render(_ s: StanzaSettings) -> StanzaFile {
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
        let command = words.joined(separator: " ")
        return StanzaFile(path: nil, contents: "# \(s.headline). Written by ibsetup stanza.\n"
                          + command + "\nnmcli connection up \(s.interface)\n", interfaces: [s.interface])
    }
}

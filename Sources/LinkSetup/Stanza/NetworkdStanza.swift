/// systemd-networkd, as of systemd 252 (Debian 12): `60-IFACE.network`, with
/// the mode set by a udev rule (`UdevModeRule`) because networkd ignores
/// `[IPoIB]` in `.network` files. A P_Key child gets `60-IFACE.netdev`
/// (`Kind=ipoib`, whose `[IPoIB]` section networkd does read, so it is created
/// in its mode) and a drop-in for the parent's `.network` that creates it
/// (`IPoIB=`).
enum NetworkdStanza {
    static let directory = "/etc/systemd/network"

    /// The parent's `.network` as ibsetup writes it: networkd reads a drop-in
    /// only from the directory named after the file it extends.
    static func networkFile(_ interface: String) -> String { "\(directory)/60-\(interface).network" }

    static func render(_ s: StanzaSettings) -> [StanzaFile] {
        var files: [StanzaFile] = []
        let comment = "# \(s.headline). Written by ibsetup stanza."
        if let parent = s.parent, let pkey = s.pkey {
            files.append(StanzaFile(path: "\(directory)/60-\(s.interface).netdev", contents: """
                \(comment)
                [NetDev]
                Name=\(s.interface)
                Kind=ipoib

                [IPoIB]
                PartitionKey=\(pkey)
                Mode=\(s.mode.rawValue)

                """, interfaces: [s.interface]))
            files.append(StanzaFile(path: networkFile(parent) + ".d/60-ibsetup-\(s.interface).conf", contents: """
                # Creates the P_Key child \(s.interface) on \(parent). Written by ibsetup stanza.
                # Read with \(networkFile(parent)), which configures \(parent).
                [Network]
                IPoIB=\(s.interface)

                """, interfaces: [parent, s.interface]))
        }
        var network = [comment]
        if s.parent == nil {
            network.append("# Targets systemd 252 (Debian 12) and later. The mode is set by \(UdevModeRule.path(s.interface)):")
            network.append("# networkd ignores an [IPoIB] section in .network files (\"Unknown section\").")
        } else {
            network.append("# Targets systemd 252 (Debian 12) and later. The mode is set when networkd creates")
            network.append("# the child from 60-\(s.interface).netdev.")
        }
        network += ["[Match]", "Name=\(s.interface)", ""]
        if let mtu = s.mtu { network += ["[Link]", "MTUBytes=\(mtu)", ""] }
        network.append("[Network]")
        switch s.method {
        case .dhcp: network.append("DHCP=ipv4")
        case .manual: network.append("LinkLocalAddressing=no")
        case .static: break
        }
        network += s.addresses.map { "Address=\($0)" }
        files.append(StanzaFile(path: networkFile(s.interface),
                                contents: network.joined(separator: "\n") + "\n", interfaces: [s.interface]))
        if s.parent == nil { files.append(UdevModeRule.render(s)) }
        return files
    }
}

/// systemd-networkd: `60-IFACE.network` with `[IPoIB] Mode=`; for a P_Key
/// child also `60-IFACE.netdev` (`Kind=ipoib`, `PartitionKey=`) and a drop-in
/// for the parent's `.network` that creates it (`IPoIB=`).
enum NetworkdStanza {
    static let directory = "/etc/systemd/network"

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
            files.append(StanzaFile(path: "\(directory)/\(parent).network.d/60-ibsetup-\(s.interface).conf", contents: """
                # Creates the P_Key child \(s.interface) on \(parent). Written by ibsetup stanza.
                [Network]
                IPoIB=\(s.interface)

                """, interfaces: [parent, s.interface]))
        }
        var network = [comment, "[Match]", "Name=\(s.interface)", ""]
        if let mtu = s.mtu { network += ["[Link]", "MTUBytes=\(mtu)", ""] }
        network.append("[Network]")
        switch s.method {
        case .dhcp: network.append("DHCP=ipv4")
        case .manual: network.append("LinkLocalAddressing=no")
        case .static: break
        }
        network += s.addresses.map { "Address=\($0)" }
        network += ["", "[IPoIB]", "Mode=\(s.mode.rawValue)"]
        files.append(StanzaFile(path: "\(directory)/60-\(s.interface).network",
                                contents: network.joined(separator: "\n") + "\n", interfaces: [s.interface]))
        return files
    }
}

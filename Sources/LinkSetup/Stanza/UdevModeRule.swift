/// The udev rule that puts an interface in its IPoIB mode for
/// systemd-networkd and netplan.
///
/// systemd-networkd 252 (Debian 12) knows `[IPoIB] Mode=` only in `.netdev`
/// files: in a `.network` file it logs "Unknown section 'IPoIB'. Ignoring."
/// and leaves the kernel's datagram mode, so an MTU of 65520 fails. netplan
/// writes that same ignored section. udev sets the mode instead: networkd
/// configures a link only once udev has processed it, and this rule sorts
/// before `80-net-setup-link.rules`, which applies the MTU of netplan's
/// `.link` files. It does not depend on the systemd version.
enum UdevModeRule {
    static func path(_ interface: String) -> String { "/etc/udev/rules.d/80-ibsetup-\(interface).rules" }

    static func render(_ s: StanzaSettings) -> StanzaFile {
        // On "add" the device still has its kernel name (ib0) when the rules
        // run; the predictable names (ibp3s0, ...) that 80-net-setup-link
        // renames it to are already known from 75-net-description's net_id.
        // A P_Key child keeps the name it is created with.
        let matches = s.parent != nil ? ["KERNEL"]
            : ["KERNEL", "ENV{ID_NET_NAME_ONBOARD}", "ENV{ID_NET_NAME_SLOT}", "ENV{ID_NET_NAME_PATH}"]
        var lines = [
            "# \(s.headline). Written by ibsetup stanza.",
            "# Sets the IPoIB mode before the MTU is applied, for systemd-networkd and netplan on",
            "# systemd 252 (Debian 12) and later: their [IPoIB] Mode= in .network files is ignored.",
            "# e\"...\\n\": the kernel accepts the mode only with its trailing newline.",
        ]
        lines += matches.map {
            "ACTION==\"add\", SUBSYSTEM==\"net\", \($0)==\"\(s.interface)\", ATTR{mode}=e\"\(s.mode.rawValue)\\n\""
        }
        return StanzaFile(path: path(s.interface), contents: lines.joined(separator: "\n") + "\n", interfaces: [s.interface])
    }
}

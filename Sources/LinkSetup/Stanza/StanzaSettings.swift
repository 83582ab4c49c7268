/// The persistent configuration formats ibsetup writes.
public enum StanzaFormat: String, Sendable, CaseIterable {
    /// Debian's ifupdown: `/etc/network/interfaces.d/IFACE`.
    case ifupdown
    /// netplan: `/etc/netplan/60-ibsetup-IFACE.yaml`, and the udev rule that
    /// sets the mode (see `networkd`).
    case netplan
    /// systemd-networkd: `.network`, a udev rule for the mode, and for
    /// children a `.netdev` (`Kind=ipoib`) and a drop-in for the parent.
    case networkd
    /// NetworkManager: `nmcli` commands to print, a keyfile to install.
    case nmcli
}

/// How the interface gets its addresses.
public enum AddressMethod: String, Sendable {
    /// The addresses given (`inet static`).
    case `static`
    /// DHCP for IPv4 (`inet dhcp`).
    case dhcp
    /// No addresses: link, mode and MTU only (`inet manual`).
    case manual
}

/// Everything a stanza says about one interface, resolved (no `auto` mode).
public struct StanzaSettings: Equatable, Sendable {
    /// The interface configured: `ib0`, or the child `ib0.8001`.
    public var interface: String
    /// For a P_Key child: its parent and P_Key.
    public var parent: String?
    public var pkey: PKey?
    public var mode: IPoIBMode
    /// nil: left to the kernel (the broadcast group's MTU in datagram mode).
    public var mtu: Int?
    public var addresses: [InterfaceAddress]
    public var method: AddressMethod

    public init(interface: String, parent: String? = nil, pkey: PKey? = nil, mode: IPoIBMode,
                mtu: Int?, addresses: [InterfaceAddress], dhcp: Bool = false) {
        self.interface = interface
        self.parent = parent
        self.pkey = pkey
        self.mode = mode
        self.mtu = mtu
        self.addresses = addresses
        self.method = dhcp ? .dhcp : (addresses.isEmpty ? .manual : .static)
    }

    /// From an `up` request, once its mode is resolved.
    public init(_ request: UpRequest, mode: IPoIBMode, dhcp: Bool = false) {
        self.init(interface: request.target, parent: request.pkey == nil ? nil : request.interface,
                  pkey: request.pkey, mode: mode,
                  mtu: request.mtu ?? (mode == .connected ? IPoIBMTU.connectedMaximum : nil),
                  addresses: request.addresses, dhcp: dhcp)
    }

    var ipv4: [InterfaceAddress] { addresses.filter { $0.family == .ipv4 } }
    var ipv6: [InterfaceAddress] { addresses.filter { $0.family == .ipv6 } }

    /// `ib0: IPoIB in connected mode, MTU 65520`.
    var headline: String {
        var text = "\(interface): IPoIB in \(mode) mode, "
        text += mtu.map { "MTU \($0)" } ?? "MTU from the subnet manager's broadcast group"
        if let parent, let pkey { text += ", P_Key \(pkey) child of \(parent)" }
        return text
    }
}

/// One file a stanza format installs.
public struct StanzaFile: Equatable, Sendable {
    /// Absolute path on the target system.
    public var path: String
    public var contents: String
    /// The interfaces this file may name; any other name in an existing file
    /// at `path` means the file is someone else's.
    public var interfaces: [String]
    /// 0o600 for files that readers refuse when others can read them
    /// (netplan warns, NetworkManager ignores such keyfiles).
    public var permissions: UInt16
    /// What the format could not express, one line each, for stderr; the
    /// file says it in a comment too.
    public var leftOut: [String]
    /// Printed instead of `contents` when not installing (nmcli: the commands
    /// that make the same connection on a running system).
    public var commands: String?

    public init(path: String, contents: String, interfaces: [String], permissions: UInt16 = 0o644,
                leftOut: [String] = [], commands: String? = nil) {
        self.path = path
        self.contents = contents
        self.interfaces = interfaces
        self.permissions = permissions
        self.leftOut = leftOut
        self.commands = commands
    }
}

public enum StanzaRenderer {
    /// The files (or commands) that keep `settings` across reboots.
    public static func render(_ settings: StanzaSettings, format: StanzaFormat) -> [StanzaFile] {
        switch format {
        case .ifupdown: [IfUpDownStanza.render(settings)]
        case .netplan: NetplanStanza.render(settings)
        case .networkd: NetworkdStanza.render(settings)
        case .nmcli: [NMCliStanza.render(settings)]
        }
    }
}

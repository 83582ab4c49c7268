/// What `ibsetup up` is asked to do for one interface, validated.
public struct UpRequest: Equatable, Sendable {
    /// The interface named on the command line (the parent when `pkey` is set).
    public var interface: String
    public var pkey: PKey?
    public var mode: RequestedMode
    /// nil: 65520 in connected mode, the broadcast group's MTU in datagram mode.
    public var mtu: Int?
    public var addresses: [InterfaceAddress]

    public init(interface: String, pkey: PKey? = nil, mode: RequestedMode = .connected, mtu: Int? = nil,
                addresses: [InterfaceAddress] = []) throws(LinkSetupError) {
        try validateInterfaceName(interface)
        if let mtu, !(IPoIBMTU.minimum...IPoIBMTU.connectedMaximum).contains(mtu) {
            throw .mtuOutOfRange(mtu, mode: mode == .datagram ? .datagram : .connected,
                                 maximum: mode == .datagram ? IPoIBMTU.datagramMaximum : IPoIBMTU.connectedMaximum)
        }
        if mode == .datagram, let mtu, mtu > IPoIBMTU.datagramMaximum {
            throw .mtuOutOfRange(mtu, mode: .datagram, maximum: IPoIBMTU.datagramMaximum)
        }
        if let mtu, mtu < IPoIBMTU.ipv6Minimum, addresses.contains(where: { $0.family == .ipv6 }) {
            throw .mtuTooSmallForIPv6(mtu)
        }
        self.interface = interface
        self.pkey = pkey
        self.mode = mode
        self.mtu = mtu
        // Each address once, in the order given.
        var seen = Set<InterfaceAddress>()
        self.addresses = addresses.filter { seen.insert($0).inserted }
    }

    /// The interface that ends up configured: `ib0`, or `ib0.8001` with a P_Key.
    public var target: String { pkey?.childName(of: interface) ?? interface }
}

/// What `ibsetup down` is asked to do for one interface.
public struct DownRequest: Equatable, Sendable {
    public var interface: String
    /// Also remove the P_Key child itself (the interface must be one).
    public var deleteChild: Bool

    public init(interface: String, deleteChild: Bool = false) throws(LinkSetupError) {
        try validateInterfaceName(interface)
        self.interface = interface
        self.deleteChild = deleteChild
    }
}

/// Interface names: 1 to 15 bytes (`IFNAMSIZ` − 1), not `.` or `..`, as the kernel's
/// `dev_valid_name` says, and only letters, digits, `.`, `-` and `_`. The kernel takes more
/// (anything but `/`, `:` and white space), but a name goes into shell commands (`pre-up`),
/// udev matches and YAML here, where `;`, `*` or a quote would change what they mean; IPoIB
/// names (`ib0`, `ibp65s0f1`, `ib0.8001`) never need them.
func validateInterfaceName(_ name: String) throws(LinkSetupError) {
    let bytes = Array(name.utf8)
    let allowed = { (c: UInt8) in
        (0x30...0x39).contains(c) || (0x41...0x5a).contains(c) || (0x61...0x7a).contains(c)
            || c == UInt8(ascii: ".") || c == UInt8(ascii: "-") || c == UInt8(ascii: "_")
    }
    guard (1...15).contains(bytes.count), name != ".", name != "..", bytes.allSatisfy(allowed)
    else { throw .invalidInterfaceName(name) }
}

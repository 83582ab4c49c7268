/// One interface as it is now, read back from the kernel (or a captured tree).
public struct LinkState: Equatable, Sendable {
    public var name: String
    /// `ARPHRD_*`: 32 for IPoIB.
    public var hardwareType: Int
    public var isUp: Bool
    /// nil when unknown: a child that does not exist yet.
    public var mtu: Int?
    /// nil when the netdev has no `mode` file (not IPoIB, or a kernel built
    /// without `CONFIG_INFINIBAND_IPOIB_CM`).
    public var mode: IPoIBMode?
    /// Byte 0 of the hardware address has `IPOIB_FLAGS_RC` (0x80): the kernel's
    /// own test for connected mode (clear on mlx5 enhanced IPoIB).
    public var connectedModeCapable: Bool
    /// nil when unknown: a captured sysfs tree holds no addresses.
    public var addresses: [InterfaceAddress]?
    /// For a P_Key child: its parent and P_Key (as in the name).
    public var parent: String?
    public var pkey: PKey?

    public init(name: String, hardwareType: Int = ARPHRD.infiniband, isUp: Bool = false, mtu: Int? = nil,
                mode: IPoIBMode? = nil, connectedModeCapable: Bool = false,
                addresses: [InterfaceAddress]? = [], parent: String? = nil, pkey: PKey? = nil) {
        self.name = name
        self.hardwareType = hardwareType
        self.isUp = isUp
        self.mtu = mtu
        self.mode = mode
        self.connectedModeCapable = connectedModeCapable
        self.addresses = addresses
        self.parent = parent
        self.pkey = pkey
    }

    public var isIPoIB: Bool { hardwareType == ARPHRD.infiniband }

    /// What the kernel makes when it creates a P_Key child: datagram, down,
    /// no addresses, MTU decided once it joins its broadcast group.
    public static func newChild(of parent: LinkState, pkey: PKey) -> LinkState {
        LinkState(name: pkey.childName(of: parent.name), isUp: false, mtu: nil,
                  mode: parent.mode == nil ? nil : .datagram,
                  connectedModeCapable: parent.connectedModeCapable,
                  addresses: [], parent: parent.name, pkey: pkey)
    }
}

/// Link-layer types of `/sys/class/net/X/type` (linux/if_arp.h).
public enum ARPHRD {
    public static let ether = 1
    public static let infiniband = 32
}

/// The IPoIB flags byte of a 20-byte hardware address.
enum IPoIBAddress {
    /// `IPOIB_FLAGS_RC`: the netdev can do connected mode.
    static let connectedFlag: UInt8 = 0x80

    static func connectedModeCapable(_ address: [UInt8]) -> Bool {
        address.count == 20 && address[0] & connectedFlag != 0
    }

    /// Parses sysfs `address` (`80:00:00:48:fe:80:...`).
    static func parse(_ text: String) -> [UInt8] {
        text.split(separator: ":").compactMap { UInt8($0, radix: 16) }
    }
}

/// The IPoIB transport mode (`/sys/class/net/<if>/mode`).
public enum IPoIBMode: String, Sendable, CaseIterable, CustomStringConvertible {
    case datagram, connected
    public var description: String { rawValue }
}

/// How an IPoIB netdev was tied to its (device, port).
public enum PortMappingSource: String, Sendable, CaseIterable {
    /// `device/infiniband/*` and `dev_port` + 1.
    case devPort = "dev_port"
    /// `device/infiniband/*` and `dev_id` + 1 (kernels where `dev_port` is
    /// missing, or reads 0 while `dev_id` does not).
    case devID = "dev_id"
    /// Bytes 4–19 of the hardware address equal one port's GID 0.
    case gid
    /// A P_Key child: its parent's port (`parent` file or `iflink`).
    case parent
}

/// One IPoIB netdev: a `/sys/class/net/<if>` whose `type` is 32.
public struct IPoIBInterface: Hashable, Sendable {
    public var name: String
    /// Its (device, port); nil when it could not be mapped.
    public var port: PortAddress?
    public var mappedBy: PortMappingSource?
    /// `mode`; nil when the file is absent (kernel without IPoIB connected
    /// mode support) or unreadable.
    public var mode: IPoIBMode?
    /// Whether the `mode` file exists at all.
    public var hasModeFile: Bool
    public var mtu: Int?
    /// `operstate`: `up`, `down`, `lowerlayerdown`, ...
    public var operState: String?
    /// `carrier`; nil when unreadable (the kernel refuses it while the
    /// interface is administratively down).
    public var carrier: Bool?
    /// `flags` bit IFF_UP: the interface is administratively up.
    public var adminUp: Bool?
    /// The 20-byte hardware address: flags, QPN, GID.
    public var hardwareAddress: [UInt8]?
    /// The partition key (`pkey`, with the full-member bit 0x8000 set).
    public var pkey: UInt16?
    /// The parent interface of a P_Key child (`ib0` for `ib0.8001`).
    public var parent: String?
    public var ifindex: Int?
    public var iflink: Int?
    /// IP addresses with prefix length (`10.0.0.1/24`); read only on the
    /// live host (sysfs does not hold them).
    public var addresses: [String]

    public init(name: String, port: PortAddress? = nil, mappedBy: PortMappingSource? = nil,
                mode: IPoIBMode? = nil, hasModeFile: Bool = true, mtu: Int? = nil,
                operState: String? = nil, carrier: Bool? = nil, adminUp: Bool? = nil,
                hardwareAddress: [UInt8]? = nil, pkey: UInt16? = nil, parent: String? = nil,
                ifindex: Int? = nil, iflink: Int? = nil, addresses: [String] = []) {
        self.name = name
        self.port = port
        self.mappedBy = mappedBy
        self.mode = mode
        self.hasModeFile = hasModeFile
        self.mtu = mtu
        self.operState = operState
        self.carrier = carrier
        self.adminUp = adminUp
        self.hardwareAddress = hardwareAddress
        self.pkey = pkey
        self.parent = parent
        self.ifindex = ifindex
        self.iflink = iflink
        self.addresses = addresses
    }

    /// Connected mode is possible: address byte 0 has IPOIB_FLAGS_RC (0x80)
    /// set, the kernel's own test, and the kernel has the `mode` file. mlx5
    /// enhanced IPoIB clears the flag and refuses `connected` with EINVAL.
    public var canDoConnectedMode: Bool {
        guard hasModeFile, let first = hardwareAddress?.first else { return false }
        return first & 0x80 != 0
    }

    /// `canDoConnectedMode`, or nil when the address that says so could not be read.
    public var connectedModeKnown: Bool? {
        hasModeFile && hardwareAddress == nil ? nil : canDoConnectedMode
    }

    /// The GID in the hardware address (the port's GID for this interface).
    public var gid: GID? { hardwareAddress.flatMap { GID(ipoibHardwareAddress: $0) } }

    /// Whether this is a P_Key child (has a parent).
    public var isChild: Bool { parent != nil }

    /// The hardware address in `ip link` form (colon-separated hex).
    public var hardwareAddressText: String? {
        hardwareAddress?.map { hex2($0) }.joined(separator: ":")
    }

    /// The interface is in connected mode at the connected-mode maximum MTU.
    public var isConnectedAtMaximumMTU: Bool { mode == .connected && mtu == Self.connectedModeMTU }

    /// IPOIB_CM_MTU: 64 KiB − 16, the largest MTU connected mode allows.
    public static let connectedModeMTU = 65520
}

func hex2(_ byte: UInt8) -> String {
    byte < 16 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
}

/// Where a port is: its RDMA device and 1-based port number (`mlx4_0:2`).
public struct PortAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var device: String
    public var port: Int
    public init(device: String, port: Int) {
        self.device = device
        self.port = port
    }
    public var description: String { "\(device):\(port)" }
    public static func < (a: Self, b: Self) -> Bool {
        a.device == b.device ? a.port < b.port : Sysfs.naturalOrder(a.device, b.device)
    }
}

/// One port of an RDMA device (`/sys/class/infiniband/<dev>/ports/<n>`).
public struct Port: Hashable, Sendable {
    public var address: PortAddress
    public var device: String { address.device }
    public var number: Int { address.port }

    /// `state` as the kernel words it (`4: ACTIVE`); nil when unreadable.
    public var stateText: NumberedText?
    /// `phys_state` as the kernel words it (`5: LinkUp`).
    public var physicalStateText: NumberedText?
    public var state: PortState? { stateText.flatMap { PortState(rawValue: $0.code) } }
    public var physicalState: PhysicalState? { physicalStateText.flatMap { PhysicalState(rawValue: $0.code) } }
    public var rate: LinkRate?
    /// The port's LID; 0 (and 0xffff on mlx5) until an SM assigns one.
    public var lid: UInt16?
    /// The LID of the subnet manager the port last heard from; 0 if none.
    public var smLID: UInt16?
    public var smSL: Int?
    /// LMC (`lid_mask_count`).
    public var lmc: Int?
    /// `cap_mask`; bit 1 (IsSM) is set while a local SM holds the port.
    public var capabilityMask: UInt32?
    public var linkLayer: LinkLayer?
    public var gid0: GID?
    /// The P_Keys in the port's table, without empty (0x0000) slots.
    public var pkeys: [UInt16]
    /// The umad character device for this port (`umad0`), if any.
    public var umadDevice: String?
    /// For RoCE ports: the Ethernet netdev behind GID 0 (`gid_attrs/ndevs/0`).
    public var ethernetNetdev: String?

    public init(address: PortAddress, stateText: NumberedText? = nil, physicalStateText: NumberedText? = nil,
                rate: LinkRate? = nil, lid: UInt16? = nil, smLID: UInt16? = nil, smSL: Int? = nil,
                lmc: Int? = nil, capabilityMask: UInt32? = nil, linkLayer: LinkLayer? = nil,
                gid0: GID? = nil, pkeys: [UInt16] = [], umadDevice: String? = nil,
                ethernetNetdev: String? = nil) {
        self.address = address
        self.stateText = stateText
        self.physicalStateText = physicalStateText
        self.rate = rate
        self.lid = lid
        self.smLID = smLID
        self.smSL = smSL
        self.lmc = lmc
        self.capabilityMask = capabilityMask
        self.linkLayer = linkLayer
        self.gid0 = gid0
        self.pkeys = pkeys
        self.umadDevice = umadDevice
        self.ethernetNetdev = ethernetNetdev
    }

    /// The port GUID: the lower 64 bits of GID 0.
    public var portGUID: GUID? { gid0?.guid }

    /// IsSM (`cap_mask` bit 1): a subnet manager on this host holds the port.
    public var isSMBitSet: Bool { (capabilityMask ?? 0) & Self.isSMCapability != 0 }
    /// IB spec PortInfo:CapabilityMask bit 1, IsSM.
    public static let isSMCapability: UInt32 = 0x0000_0002

    public var isInfiniBand: Bool { linkLayer == .infiniband }

    /// A LID an SM has assigned (neither 0 nor the permissive 0xffff).
    public var hasAssignedLID: Bool { lid.map { $0 != 0 && $0 != 0xffff } ?? false }
}

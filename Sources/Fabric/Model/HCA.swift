/// One RDMA device under `/sys/class/infiniband` (an HCA, or an rxe/siw
/// software device), with its ports.
public struct HCA: Hashable, Sendable {
    /// The RDMA device name: `mlx4_0`, `mlx5_1`, `ibp195s0`, `rxe0`.
    public var name: String
    /// `node_type` as the kernel words it (`1: CA`); nil when unreadable.
    public var nodeTypeText: NumberedText?
    public var nodeType: NodeType? { nodeTypeText.flatMap { NodeType(rawValue: $0.code) } }
    public var nodeGUID: GUID?
    public var systemImageGUID: GUID?
    /// `fw_ver`; nil when the file is absent (old kernels) or empty (rxe).
    public var firmware: String?
    /// `board_id` (the PSID on Mellanox cards).
    public var boardID: String?
    /// `hca_type`: `MT4099`, `InfiniPath_QLE7340`.
    public var hcaType: String?
    public var hardwareRevision: String?
    public var nodeDescription: String?
    /// The PCI function the device sits on (`0000:82:00.0`); nil for
    /// virtual devices (rxe, siw).
    public var pciAddress: String?
    /// The kernel driver bound to that PCI function (`mlx4_core`).
    public var driver: String?
    /// The verbs character device (`uverbs0` for `/dev/infiniband/uverbs0`).
    public var verbsDevice: String?
    public var ports: [Port]

    public init(name: String, nodeTypeText: NumberedText? = nil, nodeGUID: GUID? = nil,
                systemImageGUID: GUID? = nil, firmware: String? = nil, boardID: String? = nil,
                hcaType: String? = nil, hardwareRevision: String? = nil, nodeDescription: String? = nil,
                pciAddress: String? = nil, driver: String? = nil, verbsDevice: String? = nil,
                ports: [Port] = []) {
        self.name = name
        self.nodeTypeText = nodeTypeText
        self.nodeGUID = nodeGUID
        self.systemImageGUID = systemImageGUID
        self.firmware = firmware
        self.boardID = boardID
        self.hcaType = hcaType
        self.hardwareRevision = hardwareRevision
        self.nodeDescription = nodeDescription
        self.pciAddress = pciAddress
        self.driver = driver
        self.verbsDevice = verbsDevice
        self.ports = ports
    }

    /// The port numbered `number` (1-based), if the device has it.
    public func port(_ number: Int) -> Port? { ports.first { $0.number == number } }
}

import SystemPackage

/// What the kernel offers for RDMA at all.
public enum RDMAStack: String, Sendable {
    /// No `/sys/class/infiniband`: ib_core is not loaded.
    case notLoaded = "not-loaded"
    /// `/sys/class/infiniband` exists but is empty: no driver bound a device.
    case noDevices = "no-devices"
    /// At least one RDMA device.
    case devices
}

/// Something that could not be read or made sense of, reported per item so
/// that one bad file never hides the rest.
public struct DiscoveryProblem: Hashable, Sendable, CustomStringConvertible {
    /// The object it concerns: `mlx4_0:1`, `ib0`, a path.
    public var subject: String
    /// What failed, e.g. "cannot read state (EACCES)" or "garbage in rate: 'x'".
    public var what: String
    public init(subject: String, what: String) {
        self.subject = subject
        self.what = what
    }
    public var description: String { "\(subject): \(what)" }
}

/// Everything discovered under one sysfs root: RDMA devices with their
/// ports, and IPoIB netdevs mapped onto those ports.
public struct FabricSnapshot: Hashable, Sendable {
    /// The root the tree was read under (`/` on a live host).
    public var root: FilePath
    public var stack: RDMAStack
    public var hcas: [HCA]
    public var interfaces: [IPoIBInterface]
    public var problems: [DiscoveryProblem]

    public init(root: FilePath, stack: RDMAStack, hcas: [HCA], interfaces: [IPoIBInterface],
                problems: [DiscoveryProblem]) {
        self.root = root
        self.stack = stack
        self.hcas = hcas
        self.interfaces = interfaces
        self.problems = problems
    }

    /// Every port of every device, in device then port order.
    public var ports: [Port] { hcas.flatMap(\.ports) }

    public func port(_ address: PortAddress) -> Port? {
        hcas.first { $0.name == address.device }?.port(address.port)
    }

    public func hca(named name: String) -> HCA? { hcas.first { $0.name == name } }

    public func interface(named name: String) -> IPoIBInterface? { interfaces.first { $0.name == name } }

    /// The IPoIB interfaces on `address`, parents before children.
    public func interfaces(on address: PortAddress) -> [IPoIBInterface] {
        interfaces.filter { $0.port == address }.sorted { ($0.isChild ? 1 : 0, $0.name) < ($1.isChild ? 1 : 0, $1.name) }
    }
}

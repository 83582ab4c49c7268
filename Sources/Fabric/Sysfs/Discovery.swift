import SystemPackage

extension FabricSnapshot {
    /// Reads RDMA devices, ports and IPoIB netdevs from the sysfs tree under
    /// `root` (`/` on a live host; a captured tree in tests). Never throws:
    /// what cannot be read or parsed is listed in ``problems``, item by item.
    /// IP addresses are filled in only when `root` is `/`.
    public static func read(root: FilePath = "/") -> FabricSnapshot {
        var reader = AttributeReader(sysfs: Sysfs(root: root))
        let classDir = reader.sysfs.path("sys/class/infiniband")
        var snapshot = FabricSnapshot(root: root, stack: .notLoaded, hcas: [], interfaces: [], problems: [])

        if reader.sysfs.exists(classDir) {
            let names = reader.list(classDir, of: "infiniband", required: true) ?? []
            snapshot.stack = names.isEmpty ? .noDevices : .devices
            let umad = reader.umadDevices()
            let verbs = reader.verbsDevices()
            snapshot.hcas = names.compactMap { reader.hca(named: $0, umad: umad, verbs: verbs) }
        }

        let ports = snapshot.ports
        var read: [(IPoIBInterface, NetdevPortEvidence)] = reader.ipoibNames().map { reader.ipoib(named: $0) }
        let ifindexes = Dictionary(read.compactMap { n in n.0.ifindex.map { ($0, n.0.name) } },
                                   uniquingKeysWith: { first, _ in first })
        // RTNL children (`ip link add ... type ipoib`) have no `parent` file:
        // their `iflink` names the parent's ifindex.
        for i in read.indices where read[i].0.parent == nil && read[i].1.devicesOnFunction == nil {
            if let link = read[i].0.iflink, link != read[i].0.ifindex, let parent = ifindexes[link] {
                read[i].0.parent = parent
                read[i].1.parent = parent
            }
        }
        // Parents first, so that children can take their parent's port.
        var parents: [String: PortAddress] = [:]
        for pass in [false, true] {
            for i in read.indices where (read[i].0.parent != nil) == pass {
                let decision = NetdevMap.decide(read[i].1, ports: ports, parents: parents, ifindexes: ifindexes)
                read[i].0.port = decision.port
                read[i].0.mappedBy = decision.source
                if let problem = decision.problem { reader.note(read[i].0.name, problem) }
                if let port = decision.port { parents[read[i].0.name] = port }
            }
        }
        snapshot.interfaces = read.map(\.0)
        if root == "/" {
            let addresses = InterfaceAddresses.current()
            for i in snapshot.interfaces.indices {
                snapshot.interfaces[i].addresses = addresses[snapshot.interfaces[i].name] ?? []
            }
        }
        snapshot.problems = reader.problems
        return snapshot
    }
}

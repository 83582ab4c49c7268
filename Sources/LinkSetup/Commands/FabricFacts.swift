import Fabric
import Glibc
import SystemPackage

extension HostFacts {
    /// The facts from Fabric's discovery of the sysfs tree under `root`.
    static func read(root: FilePath) -> HostFacts {
        let snapshot = FabricSnapshot.read(root: root)
        let names = snapshot.interfaces.map(\.name).sorted()
        let hasInfiniBand = snapshot.ports.contains(where: \.isInfiniBand)
        return HostFacts(
            readiness: { name in
                snapshot.interface(named: name)?.port.flatMap(snapshot.port).map(PortReadiness.init)
            },
            ipoibNames: names,
            moduleMissing: names.isEmpty && hasInfiniBand && !SysfsReader(root: root).moduleLoaded("ib_ipoib"),
            hasInfiniBand: hasInfiniBand,
            isRoot: geteuid() == 0)
    }
}

extension PortReadiness {
    /// Port ACTIVE means an SM configured it; INIT or ARMED with the physical
    /// link up is the "no SM" signature. `sm_lid` alone is not trusted: mlx4
    /// keeps a stale one after the link goes down.
    init(_ port: Port) {
        let state = port.state
        self.init(
            port: "\(port.device) port \(port.number)",
            state: state?.description ?? port.stateText?.words ?? "unknown",
            physicalState: port.physicalState?.description ?? port.physicalStateText?.words ?? "unknown",
            isActive: state == .active || state == .activeDefer,
            waitsForSubnetManager: (state == .initializing || state == .armed) && port.physicalState == .linkUp,
            smLID: port.smLID)
    }
}

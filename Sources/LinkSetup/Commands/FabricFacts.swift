import SystemPackage

/// The port facts `up` checks, read from sysfs under a root.
struct FabricFacts: Sendable {
    let sysfs: SysfsReader

    init(root: FilePath) { sysfs = SysfsReader(root: root) }

    /// True when some RDMA port has link layer InfiniBand.
    static func hasInfiniBandPorts(root: FilePath) -> Bool {
        let reader = SysfsReader(root: root)
        let base = root.appending("sys/class/infiniband")
        return reader.children(of: base).contains { device in
            reader.children(of: base.appending(device).appending("ports")).contains { port in
                reader.read(base.appending(device).appending("ports").appending(port).appending("link_layer")) == "InfiniBand"
            }
        }
    }

    /// The port under `netdev`: `device/infiniband/<dev>` and `dev_port` + 1
    /// (`dev_id` + 1 where `dev_port` is missing or reads 0 while `dev_id` does not).
    func readiness(of netdev: String) -> PortReadiness? {
        let devices = sysfs.children(of: sysfs.netPath(netdev, "device").appending("infiniband"))
        guard devices.count == 1, let device = devices.first else { return nil }
        let devPort = sysfs.read(sysfs.netPath(netdev, "dev_port")).flatMap { Int($0) } ?? 0
        let devID = sysfs.read(sysfs.netPath(netdev, "dev_id")).flatMap { Int($0.dropFirst(2), radix: 16) } ?? 0
        let number = (devPort == 0 ? devID : devPort) + 1
        let port = sysfs.root.appending("sys/class/infiniband").appending(device).appending("ports").appending(String(number))
        guard let state = sysfs.read(port.appending("state")), let physical = sysfs.read(port.appending("phys_state")) else {
            return nil
        }
        let stateCode = Int(state.prefix { $0 != ":" }) ?? 0
        let physicalCode = Int(physical.prefix { $0 != ":" }) ?? 0
        let name = { (text: String) in text.split(separator: ":", maxSplits: 1).last.map { $0.trimmingPrefix(" ") }.map(String.init) ?? text }
        return PortReadiness(
            port: "\(device) port \(number)", state: name(state), physicalState: name(physical),
            isActive: stateCode == 4 || stateCode == 5,
            waitsForSubnetManager: (stateCode == 2 || stateCode == 3) && physicalCode == 5,
            smLID: sysfs.read(port.appending("sm_lid")).flatMap { UInt16($0.dropFirst(2), radix: 16) })
    }
}

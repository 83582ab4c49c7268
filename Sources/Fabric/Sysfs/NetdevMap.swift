/// What sysfs says about where one IPoIB netdev belongs, before deciding.
struct NetdevPortEvidence: Sendable {
    var name: String
    /// RDMA devices on the netdev's PCI function (`device/infiniband/*`);
    /// nil when there is no `device` link (P_Key children, virtual devices).
    var devicesOnFunction: [String]?
    var devPort: Int?
    var devID: Int?
    var parent: String?
    var ifindex: Int?
    var iflink: Int?
    var gid: GID?
}

/// The rules that tie IPoIB netdevs to (device, port). Never the name: the
/// kernel numbers `ibN` over all ports of all devices, and udev renames.
///
/// 1. A netdev with a `device` link: its device is the one RDMA device on that
///    PCI function; its port is `dev_port` + 1, or `dev_id` + 1 where
///    `dev_port` is missing or reads 0 while `dev_id` does not (kernels
///    3.15 until 2019 left IPoIB's `dev_port` at 0).
/// 2. The GID in bytes 4–19 of the hardware address equals GID 0 of exactly
///    one port (how `ibdev2netdev` maps): decides when rule 1 cannot, and wins
///    (with a problem noted) when the two disagree.
/// 3. A P_Key child takes its parent's port (`parent` file, else `iflink`).
enum NetdevMap {
    struct Decision: Equatable {
        var port: PortAddress?
        var source: PortMappingSource?
        var problem: String?
    }

    static func decide(_ netdev: NetdevPortEvidence, ports: [Port],
                       parents: [String: PortAddress], ifindexes: [Int: String]) -> Decision {
        let byGID = gidMatch(netdev.gid, ports: ports)
        var byDevice: (PortAddress, PortMappingSource)?
        if let devices = netdev.devicesOnFunction, devices.count == 1 {
            switch (netdev.devPort, netdev.devID) {
            case let (devPort?, devID?) where devPort == 0 && devID > 0:
                byDevice = (PortAddress(device: devices[0], port: devID + 1), .devID)
            case let (devPort?, _):
                byDevice = (PortAddress(device: devices[0], port: devPort + 1), .devPort)
            case let (nil, devID?):
                byDevice = (PortAddress(device: devices[0], port: devID + 1), .devID)
            case (nil, nil):
                break
            }
            if let candidate = byDevice, !ports.contains(where: { $0.address == candidate.0 }) {
                byDevice = nil
            }
        }
        var parentPort: PortAddress?
        if netdev.devicesOnFunction == nil {
            let parentName = netdev.parent
                ?? netdev.iflink.flatMap { link in link != netdev.ifindex ? ifindexes[link] : nil }
            parentPort = parentName.flatMap { parents[$0] }
        }

        switch (byDevice, byGID, parentPort) {
        case let ((address, source)?, gid?, _) where gid != address:
            return Decision(port: gid, source: .gid,
                            problem: "\(source.rawValue) points to \(address) but the hardware address carries the GID of \(gid); using \(gid)")
        case let ((address, source)?, _, _):
            return Decision(port: address, source: source)
        case let (nil, _, parent?):
            return Decision(port: parent, source: .parent)
        case let (nil, gid?, nil):
            return Decision(port: gid, source: .gid)
        case (nil, nil, nil):
            return Decision(port: nil, source: nil,
                            problem: "cannot tell which HCA port it belongs to (no device link, dev_port or matching GID)")
        }
    }

    /// The one port whose GID 0 equals `gid`; nil for none or several.
    static func gidMatch(_ gid: GID?, ports: [Port]) -> PortAddress? {
        guard let gid, !gid.isUnset else { return nil }
        let matches = ports.filter { $0.gid0 == gid }
        return matches.count == 1 ? matches[0].address : nil
    }
}

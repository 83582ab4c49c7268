import CRDMA

/// The outcome of comparing sysfs with what libibverbs reports.
public struct VerbsCrossCheck: Hashable, Sendable {
    /// Whether verbs were asked at all.
    public var checked: Bool
    /// Why not, when not.
    public var reason: String?
    /// One line per disagreement: `rxe0:1 lid: sysfs 0x0, verbs 0x5`.
    public var differences: [String]

    /// Compares `snapshot` (read under `/`) with `ibv_get_device_list`,
    /// `ibv_query_device`, `ibv_query_port` and `ibv_query_gid`. Only the live
    /// host can be compared: a snapshot from another root is not checked.
    public init(comparing snapshot: FabricSnapshot) {
        differences = []
        guard snapshot.root == "/" else {
            checked = false
            reason = "sysfs root is not /: verbs describe this host, not the captured tree"
            return
        }
        var count: Int32 = 0
        guard let list = ibv_get_device_list(&count) else {
            checked = false
            reason = "ibv_get_device_list failed (no uverbs devices or libibverbs providers)"
            return
        }
        defer { ibv_free_device_list(list) }
        checked = true
        reason = nil
        var seen: Set<String> = []
        for index in 0..<Int(count) {
            guard let device = list[index], let namePointer = ibv_get_device_name(device) else { continue }
            let name = String(cString: namePointer)
            seen.insert(name)
            guard let hca = snapshot.hca(named: name) else {
                differences.append("\(name): libibverbs lists it, sysfs does not")
                continue
            }
            compare(hca, device)
        }
        for hca in snapshot.hcas where !seen.contains(hca.name) {
            differences.append("\(hca.name): in sysfs but not in libibverbs' device list (is the provider package installed? apt install ibverbs-providers)")
        }
    }

    private mutating func compare(_ hca: HCA, _ device: UnsafeMutablePointer<ibv_device>) {
        guard let context = ibv_open_device(device) else {
            differences.append("\(hca.name): cannot open the verbs device; run as root or check /dev/infiniband permissions")
            return
        }
        defer { ibv_close_device(context) }
        var attr = ibv_device_attr()
        guard ibv_query_device(context, &attr) == 0 else {
            differences.append("\(hca.name): ibv_query_device failed")
            return
        }
        note(hca.name, "node_guid", hca.nodeGUID?.description,
             GUID(rawValue: UInt64(bigEndian: attr.node_guid)).description)
        note(hca.name, "sys_image_guid", hca.systemImageGUID?.description,
             GUID(rawValue: UInt64(bigEndian: attr.sys_image_guid)).description)
        note(hca.name, "port count", String(hca.ports.count), String(attr.phys_port_cnt))
        for number in 1...max(1, Int(attr.phys_port_cnt)) {
            guard let port = hca.port(number) else { continue }
            var portAttr = ibv_port_attr()
            guard crdma_query_port(context, UInt8(number), &portAttr) == 0 else {
                differences.append("\(port.address): ibv_query_port failed")
                continue
            }
            let subject = port.address.description
            note(subject, "state", port.stateText.map { String($0.code) }, String(portAttr.state.rawValue))
            note(subject, "phys_state", port.physicalStateText.map { String($0.code) }, String(portAttr.phys_state))
            note(subject, "lid", port.lid.map { hex($0, width: 0) }, hex(portAttr.lid, width: 0))
            note(subject, "sm_lid", port.smLID.map { hex($0, width: 0) }, hex(portAttr.sm_lid, width: 0))
            let layer: String = switch Int32(portAttr.link_layer) {
            case Int32(IBV_LINK_LAYER_INFINIBAND): "InfiniBand"
            case Int32(IBV_LINK_LAYER_ETHERNET): "Ethernet"
            default: port.linkLayer == .infiniband ? "InfiniBand" : "Unknown"  // unspecified means IB
            }
            note(subject, "link_layer", port.linkLayer?.rawValue, layer)
            var gid = ibv_gid()
            if ibv_query_gid(context, UInt8(number), 0, &gid) == 0 {
                let verbsGID = GID(subnetPrefix: UInt64(bigEndian: gid.global.subnet_prefix),
                                   interfaceID: UInt64(bigEndian: gid.global.interface_id))
                note(subject, "gid0", port.gid0?.description, verbsGID.description)
            }
        }
    }

    private mutating func note(_ subject: String, _ what: String, _ sysfs: String?, _ verbs: String) {
        if sysfs != verbs { differences.append("\(subject) \(what): sysfs \(sysfs ?? "unreadable"), verbs \(verbs)") }
    }
}

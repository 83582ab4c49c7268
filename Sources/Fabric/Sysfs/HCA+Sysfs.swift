import SystemPackage

extension AttributeReader {
    /// One RDMA device from `/sys/class/infiniband/<name>`, or nil (with a
    /// problem noted) when the entry is a dangling link or has no `ports`.
    mutating func hca(named name: String, umad: [PortAddress: String], verbs: [String: String]) -> HCA? {
        let dir = sysfs.path("sys/class/infiniband").appending(name)
        guard sysfs.exists(dir) else {
            let what = sysfs.isLink(dir) ? "sysfs entry is a dangling link" : "sysfs entry vanished"
            note(name, "\(what) (\(dir.string)); the driver may be unloading, run again")
            return nil
        }
        var hca = HCA(name: name)
        hca.nodeTypeText = value(dir, "node_type", of: name, required: true, AttributeFormat.numbered)
        hca.nodeGUID = value(dir, "node_guid", of: name, required: true) { GUID(sysfs: $0) }
        hca.systemImageGUID = value(dir, "sys_image_guid", of: name) { GUID(sysfs: $0) }
        hca.firmware = text(dir, "fw_ver", of: name).flatMap(AttributeFormat.nonEmpty)
        hca.boardID = text(dir, "board_id", of: name).flatMap(AttributeFormat.nonEmpty)
        hca.hcaType = text(dir, "hca_type", of: name).flatMap(AttributeFormat.nonEmpty)
        hca.hardwareRevision = text(dir, "hw_rev", of: name).flatMap(AttributeFormat.nonEmpty)
        hca.nodeDescription = text(dir, "node_desc", of: name).flatMap(AttributeFormat.nonEmpty)
        hca.pciAddress = linkTargetName(dir, "device").flatMap { Self.looksLikePCIAddress($0) ? $0 : nil }
        if hca.pciAddress != nil { hca.driver = linkTargetName(dir.appending("device"), "driver") }
        hca.verbsDevice = verbs[name]

        guard let portNames = list(dir.appending("ports"), of: name, required: true) else { return hca }
        for portName in portNames {
            guard let number = Int(portName), number > 0 else {
                note(name, "unexpected entry \(quoted(portName)) in ports")
                continue
            }
            let address = PortAddress(device: name, port: number)
            hca.ports.append(port(address, in: dir.appending("ports").appending(portName), umad: umad[address]))
        }
        return hca
    }

    /// One port from `<dev>/ports/<n>`.
    mutating func port(_ address: PortAddress, in dir: FilePath, umad: String?) -> Port {
        let subject = address.description
        var port = Port(address: address)
        port.stateText = value(dir, "state", of: subject, required: true, AttributeFormat.numbered)
        port.physicalStateText = value(dir, "phys_state", of: subject, required: true, AttributeFormat.numbered)
        port.rate = value(dir, "rate", of: subject) { LinkRate(sysfs: $0) }
        port.lid = value(dir, "lid", of: subject) { AttributeFormat.hex($0, as: UInt16.self) }
        port.smLID = value(dir, "sm_lid", of: subject) { AttributeFormat.hex($0, as: UInt16.self) }
        port.smSL = value(dir, "sm_sl", of: subject, AttributeFormat.decimal)
        port.lmc = value(dir, "lid_mask_count", of: subject, AttributeFormat.decimal)
        port.capabilityMask = value(dir, "cap_mask", of: subject) { AttributeFormat.hex($0, as: UInt32.self) }
        port.linkLayer = value(dir, "link_layer", of: subject, required: true) { LinkLayer(rawValue: $0) }
        port.gid0 = value(dir.appending("gids"), "0", of: subject) { GID(sysfs: $0) }
        if let slots = list(dir.appending("pkeys"), of: subject) {
            port.pkeys = slots.compactMap { slot in
                value(dir.appending("pkeys"), slot, of: subject) { AttributeFormat.hex($0, as: UInt16.self) }
            }.filter { $0 & 0x7fff != 0 }
        }
        port.umadDevice = umad
        if port.linkLayer == .ethernet {
            // Reading ndevs fails (EINVAL/ENODATA) for unused GIDs; not a problem worth noting.
            port.ethernetNetdev = try? sysfs.read(dir.appending("gid_attrs/ndevs/0"))
        }
        return port
    }

    /// `umadN` → (device, port), from `/sys/class/infiniband_mad/umadN/{ibdev,port}`.
    mutating func umadDevices() -> [PortAddress: String] {
        let classDir = sysfs.path("sys/class/infiniband_mad")
        var map: [PortAddress: String] = [:]
        for entry in list(classDir, of: "infiniband_mad") ?? [] where entry.hasPrefix("umad") {
            let dir = classDir.appending(entry)
            guard let device = text(dir, "ibdev", of: entry),
                  let port = value(dir, "port", of: entry, AttributeFormat.decimal) else { continue }
            map[PortAddress(device: device, port: port)] = entry
        }
        return map
    }

    /// RDMA device → `uverbsN`, from `/sys/class/infiniband_verbs/uverbsN/ibdev`.
    mutating func verbsDevices() -> [String: String] {
        let classDir = sysfs.path("sys/class/infiniband_verbs")
        var map: [String: String] = [:]
        for entry in list(classDir, of: "infiniband_verbs") ?? [] where entry.hasPrefix("uverbs") {
            if let device = text(classDir.appending(entry), "ibdev", of: entry) { map[device] = entry }
        }
        return map
    }

    /// `0000:82:00.0`: domain, bus, device and function.
    static func looksLikePCIAddress(_ name: String) -> Bool {
        let parts = name.split(separator: ":")
        return parts.count == 3 && parts[0].count == 4 && parts[1].count == 2
            && parts[2].split(separator: ".").count == 2
            && name.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
    }
}

import SystemPackage

extension AttributeReader {
    /// The names under `/sys/class/net` whose `type` is 32 (ARPHRD_INFINIBAND).
    mutating func ipoibNames() -> [String] {
        let classDir = sysfs.path("sys/class/net")
        return (list(classDir, of: "net") ?? []).filter { name in
            // A netdev whose type cannot be read or is not a number is noted and skipped.
            value(classDir.appending(name), "type", of: name, required: true, AttributeFormat.decimal) == 32
        }
    }

    /// One IPoIB netdev's attributes and its mapping evidence.
    mutating func ipoib(named name: String) -> (IPoIBInterface, NetdevPortEvidence) {
        let dir = sysfs.path("sys/class/net").appending(name)
        var netdev = IPoIBInterface(name: name)
        netdev.hasModeFile = sysfs.exists(dir.appending("mode"))
        netdev.mode = value(dir, "mode", of: name) { IPoIBMode(rawValue: $0) }
        netdev.mtu = value(dir, "mtu", of: name, required: true) { AttributeFormat.decimal($0).flatMap { $0 > 0 ? $0 : nil } }
        netdev.operState = text(dir, "operstate", of: name)
        // `carrier` fails with EINVAL while the interface is down: not a problem.
        netdev.carrier = (try? sysfs.read(dir.appending("carrier"))).flatMap(AttributeFormat.flag)
        netdev.adminUp = value(dir, "flags", of: name) { AttributeFormat.hex($0, as: UInt32.self) }
            .map { $0 & 0x1 != 0 }   // IFF_UP
        netdev.hardwareAddress = value(dir, "address", of: name, required: true) { text in
            AttributeFormat.hardwareAddress(text).flatMap { $0.count == 20 ? $0 : nil }
        }
        netdev.pkey = value(dir, "pkey", of: name) { AttributeFormat.hex($0, as: UInt16.self) }
        netdev.parent = text(dir, "parent", of: name).flatMap(AttributeFormat.nonEmpty)
        netdev.ifindex = value(dir, "ifindex", of: name, AttributeFormat.decimal)
        netdev.iflink = value(dir, "iflink", of: name, AttributeFormat.decimal)

        var evidence = NetdevPortEvidence(name: name)
        if sysfs.isLink(dir.appending("device")) {
            evidence.devicesOnFunction = list(dir.appending("device/infiniband"), of: name) ?? []
        }
        evidence.devPort = value(dir, "dev_port", of: name, AttributeFormat.decimal)
        evidence.devID = value(dir, "dev_id", of: name) { AttributeFormat.hex($0, as: UInt16.self).map(Int.init) }
        evidence.parent = netdev.parent
        evidence.ifindex = netdev.ifindex
        evidence.iflink = netdev.iflink
        evidence.gid = netdev.gid
        return (netdev, evidence)
    }
}

import OrderedJSON
/// The `ibsetup status --json` document, schema `ibkit.status/1` (described
/// in the README). Keys are never renamed or removed within a schema
/// version; absent values are `null`.
extension FabricSnapshot {
    public func statusJSON(opensm: [Int], verbs: VerbsCrossCheck? = nil) -> JSONValue {
        .object([
            ("schema", .string("ibkit.status/1")),
            ("sysfs_root", .string(root.string)),
            ("rdma_stack", .string(stack.rawValue)),
            ("hcas", .array(hcas.map { hcaJSON($0) })),
            ("ipoib", .array(interfaces.map { interfaceJSON($0) })),
            ("opensm_pids", .array(opensm.map(JSONValue.int))),
            ("verbs", verbs.map { check in
                .object([
                    ("checked", .bool(check.checked)),
                    ("reason", .optional(check.reason)),
                    ("differences", .array(check.differences.map(JSONValue.string))),
                ])
            } ?? .null),
            ("problems", .array(problems.map { .string($0.description) })),
        ])
    }

    func hcaJSON(_ hca: HCA) -> JSONValue {
        .object([
            ("name", .string(hca.name)),
            ("node_type", .optional(hca.nodeTypeText?.words)),
            ("node_guid", .optional(hca.nodeGUID?.description)),
            ("sys_image_guid", .optional(hca.systemImageGUID?.description)),
            ("fw_ver", .optional(hca.firmware)),
            ("board_id", .optional(hca.boardID)),
            ("hca_type", .optional(hca.hcaType)),
            ("node_desc", .optional(hca.nodeDescription)),
            ("pci_address", .optional(hca.pciAddress)),
            ("driver", .optional(hca.driver)),
            ("verbs_device", .optional(hca.verbsDevice)),
            ("ports", .array(hca.ports.map { portJSON($0) })),
        ])
    }

    func portJSON(_ port: Port) -> JSONValue {
        let sm = PortSubnetManager(judging: port)
        return .object([
            ("port", .int(port.number)),
            ("state", .optional(port.state?.description)),
            ("state_text", .optional(port.stateText?.description)),
            ("phys_state", .optional(port.physicalState?.description)),
            ("phys_state_text", .optional(port.physicalStateText?.description)),
            ("rate", port.rate.map { rate in
                .object([
                    ("gbit_per_s", .double(rate.gbitPerSecond)),
                    ("width", .int(rate.width)),
                    ("speed", .optional(rate.speed?.rawValue)),
                    ("text", .string(rate.text)),
                ])
            } ?? .null),
            ("link_layer", .optional(port.linkLayer?.rawValue)),
            ("lid", .optional(port.lid.map(Int.init))),
            ("sm_lid", .optional(port.smLID.map(Int.init))),
            ("sm_sl", .optional(port.smSL)),
            ("lmc", .optional(port.lmc)),
            ("cap_mask", .optional(port.capabilityMask.map { hex($0, width: 8) })),
            ("is_sm", .bool(port.isSMBitSet)),
            ("gid0", .optional(port.gid0?.description)),
            ("port_guid", .optional(port.portGUID?.hexString)),
            ("pkeys", .array(port.pkeys.map { .string(hex($0, width: 4)) })),
            ("umad_device", .optional(port.umadDevice)),
            ("ethernet_netdev", .optional(port.ethernetNetdev)),
            ("ipoib", .array(interfaces(on: port.address).map { .string($0.name) })),
            ("subnet_manager", .object([
                ("presence", .string(sm.presence.rawValue)),
                ("sm_lid", .optional(sm.smLID.map(Int.init))),
                ("local", .bool(sm.isLocal)),
                ("reason", .string(sm.reason)),
                ("fix", .optional(sm.fix)),
                ("sminfo", port.isInfiniBand ? SMInfoQuery.forPort(port, in: self).json : .null),
            ])),
        ])
    }

    func interfaceJSON(_ netdev: IPoIBInterface) -> JSONValue {
        let readiness = Readiness(judging: netdev, in: self)
        return .object([
            ("name", .string(netdev.name)),
            ("hca", .optional(netdev.port?.device)),
            ("port", .optional(netdev.port?.port)),
            ("mapped_by", .optional(netdev.mappedBy?.rawValue)),
            ("mode", .optional(netdev.mode?.rawValue)),
            ("mtu", .optional(netdev.mtu)),
            ("operstate", .optional(netdev.operState)),
            ("carrier", .optional(netdev.carrier)),
            ("admin_up", .optional(netdev.adminUp)),
            ("hw_address", .optional(netdev.hardwareAddressText)),
            ("connected_mode_capable", netdev.connectedModeKnown.map(JSONValue.bool) ?? .null),
            ("pkey", .optional(netdev.pkey.map { hex($0, width: 4) })),
            ("parent", .optional(netdev.parent)),
            ("addresses", .array(netdev.addresses.map(JSONValue.string))),
            ("readiness", .object([
                ("verdict", .string(readiness.verdict.rawValue)),
                ("reason", .string(readiness.reason)),
                ("fix", .optional(readiness.fix)),
            ])),
        ])
    }
}

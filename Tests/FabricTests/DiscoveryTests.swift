import Fabric
import SystemPackage
import SysfsFixtures
import Testing

/// One expected IPoIB netdev: where it maps, how, its mode, MTU and whether
/// it can do connected mode.
struct ExpectedNetdev: Sendable, CustomStringConvertible {
    var name: String, port: String, by: PortMappingSource, mode: IPoIBMode?, mtu: Int, cm: Bool
    var carrier: Bool?, parent: String? = nil, pkey: UInt16? = 0xffff
    var description: String { name }
}

/// One expected port: state, physical state, link layer, LID and SM LID.
struct ExpectedPort: Sendable {
    var address: String, state: PortState, phys: PhysicalState, layer: LinkLayer
    var lid: UInt16, smLID: UInt16, isSM: Bool, rate: String
}

struct Scenario: Sendable, CustomStringConvertible {
    var name: String
    var stack: RDMAStack
    var ports: [ExpectedPort]
    var netdevs: [ExpectedNetdev]
    var description: String { name }
}

/// The expected discovery per scenario, from the fixture README's table.
let discoveryScenarios: [Scenario] = [
    Scenario(name: "a", stack: .devices,
             ports: [.init(address: "mlx4_0:1", state: .active, phys: .linkUp, layer: .infiniband, lid: 1, smLID: 1, isSM: true, rate: "40 Gb/sec (4X QDR)")],
             netdevs: [.init(name: "ib0", port: "mlx4_0:1", by: .devPort, mode: .datagram, mtu: 2044, cm: true, carrier: true)]),
    Scenario(name: "b", stack: .devices,
             ports: [.init(address: "mlx4_0:1", state: .active, phys: .linkUp, layer: .infiniband, lid: 1, smLID: 1, isSM: true, rate: "40 Gb/sec (4X QDR)")],
             netdevs: [.init(name: "ib0", port: "mlx4_0:1", by: .devPort, mode: .connected, mtu: 65520, cm: true, carrier: true)]),
    Scenario(name: "c", stack: .devices,
             ports: [.init(address: "mlx5_0:1", state: .active, phys: .linkUp, layer: .infiniband, lid: 0xd, smLID: 1, isSM: false, rate: "100 Gb/sec (4X EDR)")],
             netdevs: [.init(name: "ib0", port: "mlx5_0:1", by: .devPort, mode: .datagram, mtu: 4092, cm: false, carrier: true)]),
    Scenario(name: "d", stack: .devices,
             ports: [.init(address: "mlx5_0:1", state: .initializing, phys: .linkUp, layer: .infiniband, lid: 0xffff, smLID: 0, isSM: false, rate: "100 Gb/sec (4X EDR)")],
             netdevs: [.init(name: "ib0", port: "mlx5_0:1", by: .devPort, mode: .datagram, mtu: 4092, cm: false, carrier: false)]),
    Scenario(name: "d2", stack: .devices,
             ports: [.init(address: "mlx4_0:1", state: .initializing, phys: .linkUp, layer: .infiniband, lid: 0, smLID: 0, isSM: false, rate: "40 Gb/sec (4X QDR)")],
             netdevs: [.init(name: "ib0", port: "mlx4_0:1", by: .devPort, mode: .datagram, mtu: 4092, cm: true, carrier: false)]),
    Scenario(name: "e", stack: .devices,
             ports: [.init(address: "mlx4_0:1", state: .down, phys: .polling, layer: .infiniband, lid: 0, smLID: 0, isSM: false, rate: "10 Gb/sec (4X SDR)")],
             netdevs: [.init(name: "ib0", port: "mlx4_0:1", by: .devPort, mode: .datagram, mtu: 4092, cm: true, carrier: false)]),
    Scenario(name: "f", stack: .devices,
             ports: [.init(address: "mlx4_0:1", state: .active, phys: .linkUp, layer: .infiniband, lid: 3, smLID: 3, isSM: true, rate: "56 Gb/sec (4X FDR)"),
                     .init(address: "mlx4_0:2", state: .active, phys: .linkUp, layer: .infiniband, lid: 2, smLID: 2, isSM: true, rate: "56 Gb/sec (4X FDR)")],
             netdevs: [.init(name: "ib0", port: "mlx4_0:1", by: .devPort, mode: .datagram, mtu: 2044, cm: true, carrier: true),
                       .init(name: "ib1", port: "mlx4_0:2", by: .devPort, mode: .datagram, mtu: 2044, cm: true, carrier: true)]),
    Scenario(name: "f2", stack: .devices,
             ports: [.init(address: "ibp195s0:1", state: .active, phys: .linkUp, layer: .infiniband, lid: 2, smLID: 1, isSM: false, rate: "56 Gb/sec (4X FDR)"),
                     .init(address: "ibp195s0:2", state: .down, phys: .polling, layer: .infiniband, lid: 0, smLID: 0, isSM: false, rate: "10 Gb/sec (4X SDR)")],
             netdevs: [.init(name: "ibp195s0", port: "ibp195s0:1", by: .devPort, mode: .datagram, mtu: 2044, cm: true, carrier: true),
                       .init(name: "ibp195s0d1", port: "ibp195s0:2", by: .devPort, mode: .datagram, mtu: 4092, cm: true, carrier: false)]),
    Scenario(name: "f3", stack: .devices,
             ports: [.init(address: "mlx4_0:1", state: .active, phys: .linkUp, layer: .infiniband, lid: 3, smLID: 3, isSM: true, rate: "56 Gb/sec (4X FDR)"),
                     .init(address: "mlx4_0:2", state: .active, phys: .linkUp, layer: .infiniband, lid: 2, smLID: 2, isSM: true, rate: "56 Gb/sec (4X FDR)")],
             netdevs: [.init(name: "ib0", port: "mlx4_0:1", by: .devPort, mode: .datagram, mtu: 2044, cm: true, carrier: true),
                       .init(name: "ib1", port: "mlx4_0:2", by: .devID, mode: .datagram, mtu: 2044, cm: true, carrier: true)]),
    Scenario(name: "g", stack: .devices,
             ports: [.init(address: "mlx4_0:1", state: .active, phys: .linkUp, layer: .infiniband, lid: 1, smLID: 1, isSM: true, rate: "40 Gb/sec (4X QDR)")],
             netdevs: [.init(name: "ib0", port: "mlx4_0:1", by: .devPort, mode: .datagram, mtu: 2044, cm: true, carrier: true),
                       .init(name: "ib0.8001", port: "mlx4_0:1", by: .parent, mode: .datagram, mtu: 2044, cm: true, carrier: true, parent: "ib0", pkey: 0x8001)]),
    Scenario(name: "h", stack: .devices,
             ports: [.init(address: "rxe0:1", state: .active, phys: .linkUp, layer: .ethernet, lid: 0, smLID: 0, isSM: false, rate: "10 Gb/sec (1X FDR10)")],
             netdevs: []),
    Scenario(name: "i", stack: .notLoaded, ports: [], netdevs: []),
    Scenario(name: "i2", stack: .noDevices, ports: [], netdevs: []),
    Scenario(name: "j", stack: .devices,
             ports: [.init(address: "qib0:1", state: .active, phys: .linkUp, layer: .infiniband, lid: 0x12a, smLID: 1, isSM: false, rate: "40 Gb/sec (4X QDR)")],
             netdevs: [.init(name: "ib0", port: "qib0:1", by: .devID, mode: .connected, mtu: 2044, cm: true, carrier: true)]),
    Scenario(name: "k", stack: .devices,
             ports: [.init(address: "mlx4_0:1", state: .active, phys: .linkUp, layer: .infiniband, lid: 0x3a4, smLID: 1, isSM: false, rate: "56 Gb/sec (4X FDR)")],
             netdevs: [.init(name: "ib0", port: "mlx4_0:1", by: .devID, mode: .connected, mtu: 2044, cm: true, carrier: true)]),
    // ib1 is port 1 of the second function's device, not port 2 of mlx5_0.
    Scenario(name: "l", stack: .devices,
             ports: [.init(address: "mlx5_0:1", state: .active, phys: .linkUp, layer: .infiniband, lid: 0xd, smLID: 1, isSM: false, rate: "100 Gb/sec (4X EDR)"),
                     .init(address: "mlx5_1:1", state: .active, phys: .linkUp, layer: .infiniband, lid: 0xe, smLID: 1, isSM: false, rate: "100 Gb/sec (4X EDR)")],
             netdevs: [.init(name: "ib0", port: "mlx5_0:1", by: .devPort, mode: .datagram, mtu: 4092, cm: false, carrier: true),
                       .init(name: "ib1", port: "mlx5_1:1", by: .devPort, mode: .datagram, mtu: 4092, cm: false, carrier: true)]),
]

@Suite struct DiscoveryTests {
    @Test(arguments: discoveryScenarios)
    func discoversPortsAndNetdevs(_ scenario: Scenario) throws {
        let root = try FixtureTrees.root(scenario.name)
        defer { FixtureTrees.remove(root) }
        let snapshot = FabricSnapshot.read(root: root)
        #expect(snapshot.problems == [], "\(snapshot.problems)")
        #expect(snapshot.stack == scenario.stack)
        #expect(snapshot.ports.map(\.address.description) == scenario.ports.map(\.address))
        for (port, expected) in zip(snapshot.ports, scenario.ports) {
            #expect(port.state == expected.state, "\(expected.address)")
            #expect(port.physicalState == expected.phys, "\(expected.address)")
            #expect(port.linkLayer == expected.layer, "\(expected.address)")
            #expect(port.lid == expected.lid, "\(expected.address)")
            #expect(port.smLID == expected.smLID, "\(expected.address)")
            #expect(port.isSMBitSet == expected.isSM, "\(expected.address)")
            #expect(port.rate?.text == expected.rate, "\(expected.address)")
            #expect(port.gid0 != nil && port.portGUID == port.gid0?.guid)
        }
        #expect(snapshot.interfaces.map(\.name) == scenario.netdevs.map(\.name))
        for (netdev, expected) in zip(snapshot.interfaces, scenario.netdevs) {
            #expect(netdev.port?.description == expected.port, "\(expected.name)")
            #expect(netdev.mappedBy == expected.by, "\(expected.name)")
            #expect(netdev.mode == expected.mode, "\(expected.name)")
            #expect(netdev.mtu == expected.mtu, "\(expected.name)")
            #expect(netdev.canDoConnectedMode == expected.cm, "\(expected.name)")
            #expect(netdev.carrier == expected.carrier, "\(expected.name)")
            #expect(netdev.parent == expected.parent, "\(expected.name)")
            #expect(netdev.pkey == expected.pkey, "\(expected.name)")
        }
    }

    @Test func readsDeviceAttributesOfAConnectX3() throws {
        let root = try FixtureTrees.root("a")
        defer { FixtureTrees.remove(root) }
        let snapshot = FabricSnapshot.read(root: root)
        let hca = try #require(snapshot.hca(named: "mlx4_0"))
        #expect(hca.nodeType == .ca)
        #expect(hca.nodeTypeText?.description == "1: CA")
        #expect(hca.nodeGUID?.description == "0002:c903:0031:fdc0")
        #expect(hca.nodeGUID?.hexString == "0x0002c9030031fdc0")
        #expect(hca.systemImageGUID?.description == "0002:c903:0031:fdc3")
        #expect(hca.firmware == "2.10.0")
        #expect(hca.boardID == "DEL0A30000019")
        #expect(hca.hcaType == "MT4099")
        #expect(hca.pciAddress == "0000:82:00.0")
        #expect(hca.driver == "mlx4_core")
        #expect(hca.verbsDevice == "uverbs0")
        let port = try #require(hca.port(1))
        #expect(port.umadDevice == "umad0")
        #expect(port.capabilityMask == 0x0251_486a)
        #expect(port.pkeys == [0xffff])
        #expect(port.lmc == 0)
        #expect(port.rate?.speed == .qdr && port.rate?.width == 4 && port.rate?.gbitPerSecond == 40)
        #expect(port.gid0?.description == "fe80:0000:0000:0000:0002:c903:0031:fdc1")
        #expect(port.portGUID?.hexString == "0x0002c9030031fdc1")
    }

    @Test func softRoCEIsAnEthernetPortWithItsNetdevAndNoPCIFunction() throws {
        let root = try FixtureTrees.root("h")
        defer { FixtureTrees.remove(root) }
        let snapshot = FabricSnapshot.read(root: root)
        let hca = try #require(snapshot.hca(named: "rxe0"))
        #expect(hca.pciAddress == nil)
        #expect(hca.firmware == nil, "rxe prints an empty fw_ver")
        #expect(hca.port(1)?.ethernetNetdev == "ens160")
        #expect(snapshot.interfaces.isEmpty)
    }

    @Test func oldQLogicCaptureHasNoFirmwareFileAndNoProblem() throws {
        let root = try FixtureTrees.root("j")
        defer { FixtureTrees.remove(root) }
        let snapshot = FabricSnapshot.read(root: root)
        #expect(snapshot.hca(named: "qib0")?.firmware == nil)
        #expect(snapshot.problems.isEmpty)
    }
}

import Fabric
import Testing

/// The readiness verdict per interface and the SM verdict per port, for
/// every fixture scenario.
@Suite struct ReadinessTests {
    static let verdicts: [(String, [String: Readiness.Verdict], [SMPresence])] = [
        ("a", ["ib0": .ready], [.serving]),
        ("b", ["ib0": .configured], [.serving]),
        ("c", ["ib0": .blocked], [.serving]),
        ("d", ["ib0": .blocked], [.absent]),
        ("d2", ["ib0": .blocked], [.absent]),
        ("e", ["ib0": .blocked], [.linkDown]),
        ("f", ["ib0": .ready, "ib1": .ready], [.serving, .serving]),
        ("f2", ["ibp195s0": .ready, "ibp195s0d1": .blocked], [.serving, .linkDown]),
        ("f3", ["ib0": .ready, "ib1": .ready], [.serving, .serving]),
        ("g", ["ib0": .ready, "ib0.8001": .ready], [.serving]),
        ("h", [:], [.notNeeded]),
        ("j", ["ib0": .ready], [.serving]),
        ("k", ["ib0": .ready], [.serving]),
    ]

    @Test(arguments: verdicts.map(\.0))
    func verdictsMatchTheScenario(_ name: String) throws {
        let expected = try #require(Self.verdicts.first { $0.0 == name })
        let root = try FixtureTrees.root(name)
        defer { FixtureTrees.remove(root) }
        let snapshot = FabricSnapshot.read(root: root)
        var got: [String: Readiness.Verdict] = [:]
        for netdev in snapshot.interfaces { got[netdev.name] = Readiness(judging: netdev, in: snapshot).verdict }
        #expect(got == expected.1)
        #expect(snapshot.ports.map { PortSubnetManager(judging: $0).presence } == expected.2)
    }

    @Test func noSubnetManagerSaysWhatToStart() throws {
        let root = try FixtureTrees.root("d")
        defer { FixtureTrees.remove(root) }
        let snapshot = FabricSnapshot.read(root: root)
        let r = Readiness(judging: try #require(snapshot.interface(named: "ib0")), in: snapshot)
        #expect(r.reason == "mlx5_0:1 is INIT with LinkUp: no subnet manager answered")
        #expect(r.fix == "start one on one node: systemctl start opensm")
    }

    @Test func enhancedIPoIBOffersDatagram() throws {
        let root = try FixtureTrees.root("c")
        defer { FixtureTrees.remove(root) }
        let snapshot = FabricSnapshot.read(root: root)
        let r = Readiness(judging: try #require(snapshot.interface(named: "ib0")), in: snapshot)
        #expect(r.reason.contains("enhanced IPoIB"))
        #expect(r.fix == "ibsetup up ib0 --mode datagram")
    }

    @Test func staleSMLIDOnADownPortIsNotAnSM() {
        // mlx4 keeps LID and SM LID after the link drops (rdma-core PR #847).
        let port = Port(address: PortAddress(device: "mlx4_0", port: 1),
                        stateText: NumberedText(code: 1, words: "DOWN"),
                        physicalStateText: NumberedText(code: 2, words: "Polling"),
                        lid: 38, smLID: 13, linkLayer: .infiniband)
        #expect(PortSubnetManager(judging: port).presence == .linkDown)
    }
}

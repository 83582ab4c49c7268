@testable import Fabric
import SysfsFixtures
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
        ("l", ["ib0": .blocked, "ib1": .blocked], [.serving, .serving]),
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

/// The SMInfo packet: request layout and response parsing, no device needed.
@Suite struct SMInfoMADTests {
    func response(status: UInt16 = 0, method: UInt8 = 0x81) -> [UInt8] {
        var mad = [UInt8](repeating: 0, count: 256)
        mad[0] = 1; mad[1] = 0x01; mad[2] = 1; mad[3] = method
        mad[4] = UInt8(status >> 8); mad[5] = UInt8(status & 0xff)
        mad[16] = 0x00; mad[17] = 0x20
        let guid: [UInt8] = [0x00, 0x02, 0xc9, 0x03, 0x00, 0x31, 0xfd, 0xc1]
        for (i, b) in guid.enumerated() { mad[64 + i] = b }
        mad[64 + 16] = 0; mad[64 + 17] = 0; mad[64 + 18] = 0x01; mad[64 + 19] = 0x2c   // activity 300
        mad[64 + 20] = 0x73                                                              // priority 7, MASTER
        return mad
    }

    @Test func parsesAGetResponse() throws {
        let info = try SMInfoMAD.parse(response()).get()
        #expect(info.guid.hexString == "0x0002c9030031fdc1")
        #expect(info.activityCount == 300)
        #expect(info.priority == 7)
        #expect(info.state == .master)
    }

    @Test func refusesBadAnswers() {
        #expect(SMInfoMAD.parse(response(status: 0x001c)) == .failure(.status(0x1c)))
        #expect(SMInfoMAD.parse(response(method: 0x01)) == .failure(.notAResponse))
        #expect(SMInfoMAD.parse([1, 2, 3]) == .failure(.short))
    }

    @Test func requestIsAnSMInfoGet() {
        let mad = SMInfoMAD.request(transactionID: 0x0102_0304)
        #expect(mad.count == 256)
        #expect(Array(mad[0..<4]) == [1, 0x01, 1, 0x01])
        #expect(Array(mad[12..<18]) == [1, 2, 3, 4, 0x00, 0x20])
    }
}

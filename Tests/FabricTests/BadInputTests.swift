import Fabric
import Foundation
import SystemPackage
import SysfsFixtures
import Testing

/// Damaged trees: each bad item is one problem line; the rest is still read.
@Suite struct BadInputTests {
    func port1(_ root: FilePath, device: String = "mlx4_0") -> String {
        root.string + "/sys/class/infiniband/\(device)/ports/1"
    }

    @Test func garbageInAttributesIsReportedPerFile() throws {
        let root = try FixtureTrees.root("a")
        defer { FixtureTrees.remove(root) }
        try "banana\n".write(toFile: port1(root) + "/rate", atomically: false, encoding: .utf8)
        try "\u{1}\u{2}garbage".write(toFile: port1(root) + "/state", atomically: false, encoding: .utf8)
        try "0xzz\n".write(toFile: port1(root) + "/lid", atomically: false, encoding: .utf8)
        let snapshot = FabricSnapshot.read(root: root)
        #expect(snapshot.problems.map(\.description) == [
            "mlx4_0:1: unexpected state '\\x01\\x02garbage'",
            "mlx4_0:1: unexpected rate 'banana'",
            "mlx4_0:1: unexpected lid '0xzz'",
        ])
        let port = try #require(snapshot.ports.first)
        #expect(port.state == nil && port.rate == nil && port.lid == nil)
        #expect(port.physicalState == .linkUp)
        #expect(snapshot.interfaces.map(\.name) == ["ib0"])
        #expect(PortSubnetManager(judging: port).presence == .unknown)
        let outcome = statusReport(root: root)
        #expect(outcome.ending == .done)
        #expect(outcome.diagnostics.count == 3)
    }

    @Test func unreadableFileIsReportedWithItsErrno() throws {
        let root = try FixtureTrees.root("a")
        defer { FixtureTrees.remove(root) }
        // A directory where a file should be reads as EISDIR, for root too.
        let state = port1(root) + "/state"
        try FileManager.default.removeItem(atPath: state)
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: false)
        let snapshot = FabricSnapshot.read(root: root)
        #expect(snapshot.problems.map(\.description) == ["mlx4_0:1: cannot read state (EISDIR)"])
    }

    @Test func missingRequiredFileIsReported() throws {
        let root = try FixtureTrees.root("a")
        defer { FixtureTrees.remove(root) }
        try FileManager.default.removeItem(atPath: port1(root) + "/link_layer")
        let snapshot = FabricSnapshot.read(root: root)
        #expect(snapshot.problems.map(\.description) == ["mlx4_0:1: cannot read link_layer (ENOENT)"])
        #expect(PortSubnetManager(judging: snapshot.ports[0]).presence == .unknown)
    }

    @Test func danglingDeviceLinkIsReportedAndTheRestStillRead() throws {
        let root = try FixtureTrees.root("f")
        defer { FixtureTrees.remove(root) }
        let link = root.string + "/sys/class/infiniband/mlx4_9"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "../../devices/gone/mlx4_9")
        let snapshot = FabricSnapshot.read(root: root)
        #expect(snapshot.problems.count == 1)
        #expect(snapshot.problems.first?.description.hasPrefix("mlx4_9: sysfs entry is a dangling link") == true)
        #expect(snapshot.hcas.map(\.name) == ["mlx4_0"])
        #expect(snapshot.interfaces.compactMap(\.port?.description) == ["mlx4_0:1", "mlx4_0:2"])
    }

    /// A tree copied without its symlinks (each link a small file naming its target): the
    /// device's ports cannot be listed, so `sm` cannot say every port is served.
    @Test func smFailsWhenADevicesPortsCannotBeRead() throws {
        let root = try FixtureTrees.root("a")
        defer { FixtureTrees.remove(root) }
        let link = root.string + "/sys/class/infiniband/mlx4_0"
        let target = try FileManager.default.destinationOfSymbolicLink(atPath: link)
        try FileManager.default.removeItem(atPath: link)
        try target.write(toFile: link, atomically: false, encoding: .utf8)
        let outcome = subnetManagerCheck(root: root)
        #expect(outcome.ending == .error)
        #expect(!outcome.output.contains("nothing needs a subnet manager"))
        #expect(outcome.diagnostics.last == "mlx4_0: no ports could be read, so none can be judged; check the sysfs tree (see the problems above)")
        let json = subnetManagerCheck(root: root, json: true)
        #expect(json.ending == .error)
        #expect(json.output.contains(#""ok": false"#))
    }

    /// A netdev's own files damaged: each is a problem line, and nothing is judged on a
    /// value that was not read.
    @Test func damagedNetdevFilesAreProblemsNotGuesses() throws {
        let root = try FixtureTrees.root("a")
        defer { FixtureTrees.remove(root) }
        let ib0 = root.string + "/sys/class/net/ib0"
        try "zz\n".write(toFile: ib0 + "/address", atomically: false, encoding: .utf8)
        try "-1\n".write(toFile: ib0 + "/mtu", atomically: false, encoding: .utf8)
        let snapshot = FabricSnapshot.read(root: root)
        #expect(snapshot.problems.map(\.description).contains("ib0: unexpected address 'zz'"), "\(snapshot.problems)")
        #expect(snapshot.problems.map(\.description).contains("ib0: unexpected mtu '-1'"), "\(snapshot.problems)")
        let netdev = try #require(snapshot.interface(named: "ib0"))
        #expect(netdev.mtu == nil)
        #expect(netdev.connectedModeKnown == nil, "unknown, not 'no'")
        let readiness = Readiness(judging: netdev, in: snapshot)
        #expect(readiness.verdict == .blocked)
        #expect(readiness.reason.contains("hardware address cannot be read"), "\(readiness.reason)")
    }

    @Test func aTypeThatIsNotANumberIsAProblem() throws {
        let root = try FixtureTrees.root("a")
        defer { FixtureTrees.remove(root) }
        try "abc\n".write(toFile: root.string + "/sys/class/net/ib0/type", atomically: false, encoding: .utf8)
        let snapshot = FabricSnapshot.read(root: root)
        #expect(snapshot.problems.map(\.description) == ["ib0: unexpected type 'abc'"])
        #expect(snapshot.interfaces.isEmpty)
    }

    @Test func missingDeviceLinkFallsBackToTheGIDMatch() throws {
        let root = try FixtureTrees.root("f")
        defer { FixtureTrees.remove(root) }
        try FileManager.default.removeItem(atPath: root.string + "/sys/class/net/ib1/device")
        let snapshot = FabricSnapshot.read(root: root)
        #expect(snapshot.problems.isEmpty)
        let ib1 = try #require(snapshot.interface(named: "ib1"))
        #expect(ib1.port?.description == "mlx4_0:2")
        #expect(ib1.mappedBy == .gid)
    }

    @Test func devPortThatContradictsTheGIDLosesAndIsReported() throws {
        let root = try FixtureTrees.root("f")
        defer { FixtureTrees.remove(root) }
        // ib1 is port 2 by its address; make dev_port claim port 1.
        try "0\n".write(toFile: root.string + "/sys/class/net/ib1/dev_port", atomically: false, encoding: .utf8)
        try "0x0\n".write(toFile: root.string + "/sys/class/net/ib1/dev_id", atomically: false, encoding: .utf8)
        let snapshot = FabricSnapshot.read(root: root)
        #expect(snapshot.interface(named: "ib1")?.port?.description == "mlx4_0:2")
        #expect(snapshot.problems.map(\.description)
                == ["ib1: dev_port points to mlx4_0:1 but the hardware address carries the GID of mlx4_0:2; using mlx4_0:2"])
    }

    @Test(arguments: ["40 Gb/sec (4X QDR)", "2.5 Gb/sec (1X SDR)", "10 Gb/sec (4X)", "100 Gb/sec (2X HDR)",
                      "10 Gb/sec (1X FDR10)", "800 Gb/sec (4X XDR)"])
    func rateStringsParse(_ text: String) throws {
        let rate = try #require(LinkRate(sysfs: text))
        #expect(rate.speed != nil)
        #expect(rate.text == text)
    }

    @Test(arguments: ["", "40", "40 Gb/sec", "40 Gb/sec (QDR)", "x Gb/sec (4X QDR)", "40 Gb/sec (4X QXR)"])
    func badRateStringsDoNot(_ text: String) {
        #expect(LinkRate(sysfs: text) == nil)
    }

    @Test func identifiersRoundTrip() throws {
        let gid = try #require(GID(sysfs: "fe80:0000:0000:0000:0002:c903:0031:fdc1"))
        #expect(gid.description == "fe80:0000:0000:0000:0002:c903:0031:fdc1")
        #expect(gid.guid.hexString == "0x0002c9030031fdc1")
        #expect(GID(sysfs: "fe80::1") == nil)
        #expect(GUID(sysfs: "0002:c903:0031:fdc0")?.rawValue == 0x0002_c903_0031_fdc0)
        #expect(GUID(sysfs: "0002:c903:0031") == nil)
    }
}

import Foundation
import SystemPackage
import TestProcesses
import Testing
@testable import LinkSetup

@Suite struct StanzaTests {
    static func settings(_ addresses: [String] = ["10.0.0.1/24"], pkey: String? = nil, mode: IPoIBMode = .connected,
                         mtu: Int? = nil, dhcp: Bool = false) throws -> StanzaSettings {
        let request = try UpRequest(interface: "ib0", pkey: pkey.map { try PKey(parsing: $0) },
                                    mode: mode == .connected ? .connected : .datagram, mtu: mtu,
                                    addresses: try addresses.map { try InterfaceAddress(cidr: $0) })
        return StanzaSettings(request, mode: mode, dhcp: dhcp)
    }

    @Test func ifupdownMatchesTheDesignExample() throws {
        let file = StanzaRenderer.render(try Self.settings(), format: .ifupdown)[0]
        #expect(file.path == "/etc/network/interfaces.d/ib0")
        #expect(file.contents == """
            # ib0: IPoIB in connected mode, MTU 65520. Written by ibsetup stanza.
            auto ib0
            iface ib0 inet static
                address 10.0.0.1/24
                mtu 65520
                pre-up echo connected > /sys/class/net/ib0/mode

            """)
    }

    @Test func ifupdownChildAndIPv6() throws {
        let file = StanzaRenderer.render(try Self.settings(["10.1.0.1/24", "fd00::1/64"], pkey: "0x8001"), format: .ifupdown)[0]
        #expect(file.path == "/etc/network/interfaces.d/ib0.8001")
        #expect(file.contents.contains("iface ib0.8001 inet static\n    address 10.1.0.1/24\n    mtu 65520\n"))
        #expect(file.contents.contains("    pre-up ip link set dev ib0 up\n"))
        #expect(!file.contents.contains("> /sys/class/net/ib0/create_child"), "ifupdown creates ib0.8001 itself")
        #expect(!file.contents.contains("> /sys/class/net/ib0/delete_child"), "ifupdown deletes ib0.8001 itself")
        #expect(file.contents.hasSuffix("iface ib0.8001 inet6 static\n    address fd00::1/64\n"))
    }

    /// A parent whose name the kernel cuts to 10 characters in the child's name:
    /// ifupdown cannot tell the parent from it, so the stanza creates and deletes.
    @Test func ifupdownChildOfALongParentCreatesItself() throws {
        let request = try UpRequest(interface: "ibp195s0f1d1", pkey: try PKey(parsing: "0x8001"), mode: .connected, mtu: nil,
                                    addresses: [])
        let file = StanzaRenderer.render(StanzaSettings(request, mode: .connected), format: .ifupdown)[0]
        #expect(file.path == "/etc/network/interfaces.d/ibp195s0f1.8001")
        #expect(file.contents.contains("    pre-up [ -e /sys/class/net/ibp195s0f1.8001 ] || echo 0x8001 > /sys/class/net/ibp195s0f1d1/create_child\n"))
        #expect(file.contents.contains("    post-down [ ! -e /sys/class/net/ibp195s0f1.8001 ] || echo 0x8001 > /sys/class/net/ibp195s0f1d1/delete_child\n"))
    }

    @Test func netplanWritesTheYAMLAndTheModeRule() throws {
        let netplan = StanzaRenderer.render(try Self.settings(["10.0.0.1/24", "fd00::1/64"]), format: .netplan)
        #expect(netplan.map(\.path) == ["/etc/netplan/60-ibsetup-ib0.yaml", "/etc/udev/rules.d/80-ibsetup-ib0.rules"])
        #expect(netplan[0].permissions == 0o600)
        #expect(netplan[0].contents.contains("    ib0:\n      infiniband-mode: connected\n      mtu: 65520\n      addresses:\n        - \"10.0.0.1/24\"\n        - \"fd00::1/64\"\n"))
        #expect(netplan[0].leftOut.isEmpty)
        #expect(netplan[1].contents.contains("ACTION==\"add\", SUBSYSTEM==\"net\", KERNEL==\"ib0\", ATTR{mode}=e\"connected\\n\"\n"))
    }

    @Test func netplanSaysWhatItLeavesOutOfAChild() throws {
        let files = StanzaRenderer.render(try Self.settings(pkey: "0x8001"), format: .netplan)
        let note = "ib0.8001: netplan cannot create P_Key children, so nothing creates this one; create it with 'echo 0x8001 > /sys/class/net/ib0/create_child', or use --format networkd or nmcli"
        #expect(files[0].leftOut == [note])
        #expect(files[0].contents.contains("# Left out: \(note)\n"))
        #expect(files[0].contents.contains("    ib0.8001:\n      infiniband-mode: connected\n      mtu: 65520\n      addresses:\n        - \"10.0.0.1/24\"\n"))
    }

    @Test func networkdSetsTheModeByUdevAndPutsTheDropInBesideTheParentsFile() throws {
        let parent = StanzaRenderer.render(try Self.settings(), format: .networkd)
        #expect(parent.map(\.path) == ["/etc/systemd/network/60-ib0.network", "/etc/udev/rules.d/80-ibsetup-ib0.rules"])
        #expect(!parent[0].contents.split(separator: "\n").contains("[IPoIB]"), "networkd 252 ignores it in .network files")
        #expect(parent[0].contents.contains("# Targets systemd 252 (Debian 12) and later."))
        #expect(parent[0].contents.hasSuffix("[Match]\nName=ib0\n\n[Link]\nMTUBytes=65520\n\n[Network]\nAddress=10.0.0.1/24\n"))

        let child = StanzaRenderer.render(try Self.settings(pkey: "0x8001", mode: .datagram), format: .networkd)
        #expect(child.map(\.path) == ["/etc/systemd/network/60-ib0.8001.netdev",
                                      "/etc/systemd/network/60-ib0.network.d/60-ibsetup-ib0.8001.conf",
                                      "/etc/systemd/network/60-ib0.8001.network"])
        #expect(child[0].contents.contains("[NetDev]\nName=ib0.8001\nKind=ipoib\n\n[IPoIB]\nPartitionKey=0x8001\nMode=datagram\n"))
        #expect(child[1].contents.contains("[Network]\nIPoIB=ib0.8001\n"))
        #expect(child[2].contents.hasSuffix("[Network]\nAddress=10.0.0.1/24\n"))
        #expect(!child[2].contents.contains("MTUBytes"), "datagram MTU is left to the broadcast group")
    }

    @Test func nmcliPrintsCommandsAndInstallsAKeyfile() throws {
        let nmcli = StanzaRenderer.render(try Self.settings(pkey: "0x8001"), format: .nmcli)[0]
        #expect(nmcli.path == "/etc/NetworkManager/system-connections/ib0.8001.nmconnection")
        #expect(nmcli.permissions == 0o600)
        #expect(nmcli.commands?.contains("nmcli connection add type infiniband con-name ib0.8001 ifname ib0.8001 infiniband.parent ib0 infiniband.p-key 0x8001 infiniband.transport-mode connected infiniband.mtu 65520 ipv4.method manual ipv4.addresses 10.0.0.1/24 ipv6.method disabled\n") == true)
        #expect(nmcli.contents.contains("[infiniband]\nmtu=65520\np-key=32769\nparent=ib0\ntransport-mode=connected\n"))
        let again = StanzaRenderer.render(try Self.settings(pkey: "0x8001"), format: .nmcli)[0]
        #expect(again.contents == nmcli.contents, "the same UUID each time, so a second --write changes nothing")
        let uuid = try #require(nmcli.contents.split(separator: "\n").first { $0.hasPrefix("uuid=") }?.dropFirst(5))
        #expect(uuid.count == 36 && uuid.split(separator: "-").map(\.count) == [8, 4, 4, 4, 12])
        #expect(uuid.split(separator: "-")[2].first == "8", "RFC 9562 version 8")
    }

    /// Debian's ifupdown reads the stanza and, in --no-act mode, prints the
    /// commands in the order it would run them: the mode write comes first.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/ifup") || FileManager.default.isExecutableFile(atPath: "/sbin/ifup"),
                   "needs Debian's ifupdown (scripts/install-deps installs it)"),
          arguments: [("static", false), ("child", false), ("dhcp", true)])
    func ifupNoActWritesTheModeBeforeTheMTU(variant: String, dhcp: Bool) throws {
        let settings = try Self.settings(dhcp ? [] : ["10.0.0.1/24", "fd00::1/64"],
                                         pkey: variant == "child" ? "0x8001" : nil, dhcp: dhcp)
        let file = StanzaRenderer.render(settings, format: .ifupdown)[0]
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ibkit-ifup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("state"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let interfaces = directory.appendingPathComponent("interfaces")
        try file.contents.write(to: interfaces, atomically: true, encoding: .utf8)

        let ifup = URL(fileURLWithPath: FileManager.default.isExecutableFile(atPath: "/usr/sbin/ifup") ? "/usr/sbin/ifup" : "/sbin/ifup")
        let run = try runProcess(ifup, ["--no-act", "--no-scripts", "-i", interfaces.path,
                                        "--state-dir", directory.appendingPathComponent("state").path, settings.interface],
                                 mergingErrors: true)
        let text = run.stdout
        #expect(run.status == 0, "\(text)")
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let mode = try #require(lines.firstIndex(of: "echo connected > /sys/class/net/\(settings.interface)/mode"), "\(text)")
        let mtu = try #require(lines.firstIndex { $0.contains("mtu 65520") }, "\(text)")
        #expect(mode < mtu, "\(text)")
        if variant == "child" {
            let create = try #require(lines.firstIndex { $0.contains("create_child") })
            #expect(create < mode)
        }
    }
}

@Suite struct StanzaWriterTests {
    static func root() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ibkit-stanza-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("etc/network/interfaces.d"), withIntermediateDirectories: true)
        return root
    }

    static let ib0 = StanzaFile(path: "/etc/network/interfaces.d/ib0",
                                contents: "auto ib0\niface ib0 inet manual\n    pre-up echo connected > /sys/class/net/ib0/mode\n",
                                interfaces: ["ib0"])

    @Test func writesAtomicallyKeepsABackupAndIsIdempotent() throws {
        let root = try Self.root()
        defer { try? FileManager.default.removeItem(at: root) }
        try "source /etc/network/interfaces.d/*\n".write(to: root.appendingPathComponent("etc/network/interfaces"), atomically: true, encoding: .utf8)
        let target = root.appendingPathComponent("etc/network/interfaces.d/ib0")
        try "auto ib0\niface ib0 inet dhcp\n".write(to: target, atomically: true, encoding: .utf8)

        let writer = StanzaWriter(root: FilePath(root.path))
        let first = try writer.install([Self.ib0], format: .ifupdown)
        #expect(first.written == ["/etc/network/interfaces.d/ib0"])
        #expect(first.backups == ["/etc/network/interfaces.d/.ib0.ibsetup-backup"])
        #expect(first.warnings.isEmpty)
        #expect(try String(contentsOf: target, encoding: .utf8) == Self.ib0.contents)
        #expect(try String(contentsOf: root.appendingPathComponent("etc/network/interfaces.d/.ib0.ibsetup-backup"), encoding: .utf8)
                == "auto ib0\niface ib0 inet dhcp\n")
        let names = try FileManager.default.contentsOfDirectory(atPath: target.deletingLastPathComponent().path)
        #expect(!names.contains { $0.contains("ibsetup-tmp") }, "no temporary file left")

        let second = try writer.install([Self.ib0], format: .ifupdown)
        #expect(second.unchanged == ["/etc/network/interfaces.d/ib0"])
        #expect(second.written.isEmpty)
    }

    /// A temporary file whose writer is gone is removed, also when the target is
    /// unchanged; one whose writer still runs (pid 1 here) is left to it.
    @Test func removesTheTemporaryFilesOfDeadWritersOnly() throws {
        let root = try Self.root()
        defer { try? FileManager.default.removeItem(at: root) }
        let directory = root.appendingPathComponent("etc/network/interfaces.d")
        try Self.ib0.contents.write(to: directory.appendingPathComponent("ib0"), atomically: true, encoding: .utf8)
        // A process that has ended and been reaped: its number names no one now.
        let ended = Process()
        ended.executableURL = URL(fileURLWithPath: "/bin/true")
        try ended.run()
        ended.waitUntilExit()
        let dead = ended.processIdentifier
        let names = [".ib0.ibsetup-tmp-\(dead)", "..ib0.ibsetup-backup.ibsetup-tmp-\(dead)", ".ib0.ibsetup-tmp-1", ".ib1.ibsetup-tmp-\(dead)"]
        for name in names { try "partial".write(to: directory.appendingPathComponent(name), atomically: false, encoding: .utf8) }

        let report = try StanzaWriter(root: FilePath(root.path)).install([Self.ib0], format: .ifupdown)
        #expect(report.unchanged == ["/etc/network/interfaces.d/ib0"])
        #expect(Set(report.removed) == ["/etc/network/interfaces.d/.ib0.ibsetup-tmp-\(dead)",
                                        "/etc/network/interfaces.d/..ib0.ibsetup-backup.ibsetup-tmp-\(dead)"])
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains("ibsetup-tmp") }
        #expect(Set(left) == [".ib0.ibsetup-tmp-1", ".ib1.ibsetup-tmp-\(dead)"])
    }

    @Test func refusesToReplaceAFileThatConfiguresOtherInterfaces() throws {
        let root = try Self.root()
        defer { try? FileManager.default.removeItem(at: root) }
        let target = root.appendingPathComponent("etc/network/interfaces.d/ib0")
        let theirs = "auto ib0 ib1\niface ib1 inet dhcp\n"
        try theirs.write(to: target, atomically: true, encoding: .utf8)
        #expect(throws: LinkSetupError.wouldClobber(path: target.path, interfaces: ["ib1"])) {
            _ = try StanzaWriter(root: FilePath(root.path)).install([Self.ib0], format: .ifupdown)
        }
        #expect(try String(contentsOf: target, encoding: .utf8) == theirs)
    }

    @Test(arguments: [("", true), ("source-directory /etc/network/interfaces.d\n", false),
                      ("source /etc/network/interfaces.d/*\n", false), ("source interfaces.d/*\n", false)])
    func warnsWhenInterfacesDoesNotSourceTheDirectory(main: String, warns: Bool) throws {
        let root = try Self.root()
        defer { try? FileManager.default.removeItem(at: root) }
        try main.write(to: root.appendingPathComponent("etc/network/interfaces"), atomically: true, encoding: .utf8)
        let report = try StanzaWriter(root: FilePath(root.path)).install([Self.ib0], format: .ifupdown)
        #expect(report.warnings.isEmpty == !warns, "\(report.warnings)")
    }

    @Test func aMissingDirectoryWritesNothing() throws {
        let root = try Self.root()
        defer { try? FileManager.default.removeItem(at: root) }
        let netplan = StanzaFile(path: "/etc/netplan/60-ibsetup-ib0.yaml", contents: "network: {}\n", interfaces: ["ib0"])
        let missing = root.appendingPathComponent("etc/netplan/60-ibsetup-ib0.yaml").path
        #expect(throws: LinkSetupError.fileWrite(path: missing, error: Errno(rawValue: ENOENT), doing: "write into its directory")) {
            _ = try StanzaWriter(root: FilePath(root.path)).install([Self.ib0, netplan], format: .netplan)
        }
        #expect("\(LinkSetupError.fileWrite(path: missing, error: Errno(rawValue: ENOENT), doing: "write into its directory"))"
                == "\(missing): cannot write into its directory (ENOENT); check the directory exists and is writable")
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("etc/network/interfaces.d/ib0").path))
    }

    @Test func writesEachFileWithItsPermissions() throws {
        let root = try Self.root()
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("etc/NetworkManager/system-connections"),
                                                withIntermediateDirectories: true)
        let files = StanzaRenderer.render(try StanzaTests.settings(), format: .nmcli)
        _ = try StanzaWriter(root: FilePath(root.path)).install(files, format: .nmcli)
        let written = root.appendingPathComponent("etc/NetworkManager/system-connections/ib0.nmconnection").path
        let attributes = try FileManager.default.attributesOfItem(atPath: written)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }

    @Test func aRuleForAnotherInterfaceIsNotReplaced() throws {
        let root = try Self.root()
        defer { try? FileManager.default.removeItem(at: root) }
        let rules = root.appendingPathComponent("etc/udev/rules.d")
        try FileManager.default.createDirectory(at: rules, withIntermediateDirectories: true)
        let theirs = "ACTION==\"add\", SUBSYSTEM==\"net\", KERNEL==\"ib1\", ATTR{mode}=\"datagram\"\n"
        try theirs.write(to: rules.appendingPathComponent("80-ibsetup-ib0.rules"), atomically: true, encoding: .utf8)
        let files = StanzaRenderer.render(try StanzaTests.settings(), format: .networkd).filter { $0.path.hasSuffix(".rules") }
        #expect(throws: LinkSetupError.wouldClobber(path: rules.appendingPathComponent("80-ibsetup-ib0.rules").path, interfaces: ["ib1"])) {
            _ = try StanzaWriter(root: FilePath(root.path)).install(files, format: .networkd)
        }
    }

    /// networkd reads 60-ib0.network.d/ only with 60-ib0.network: a child
    /// written alone says so.
    @Test func aChildWithoutItsParentsNetworkFileWarns() throws {
        let root = try Self.root()
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("etc/systemd/network"),
                                                withIntermediateDirectories: true)
        let child = StanzaRenderer.render(try StanzaTests.settings(pkey: "0x8001"), format: .networkd)
        let report = try StanzaWriter(root: FilePath(root.path)).install(child, format: .networkd)
        let network = root.appendingPathComponent("etc/systemd/network/60-ib0.network").path
        #expect(report.warnings == ["\(network): missing; networkd ignores \(network).d/60-ibsetup-ib0.8001.conf without it, so the child is never created; write it with 'ibsetup stanza ib0 --format networkd --write'"])

        let both = StanzaRenderer.render(try StanzaTests.settings(), format: .networkd) + child
        try FileManager.default.createDirectory(at: root.appendingPathComponent("etc/udev/rules.d"), withIntermediateDirectories: true)
        #expect(try StanzaWriter(root: FilePath(root.path)).install(both, format: .networkd).warnings.isEmpty)
    }
}

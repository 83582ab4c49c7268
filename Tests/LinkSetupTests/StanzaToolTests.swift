import Foundation
import Testing
import TestProcesses
@testable import LinkSetup

/// The stanzas read by the tools they are for, as Debian 12 ships them.
enum StanzaTools {
    static func executable(_ candidates: String...) -> URL? {
        candidates.first { FileManager.default.isExecutableFile(atPath: $0) }.map(URL.init(fileURLWithPath:))
    }

    static let ifup = executable("/usr/sbin/ifup", "/sbin/ifup")
    static let ifdown = executable("/usr/sbin/ifdown", "/sbin/ifdown")

    static func root() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ibkit-tools-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        return root
    }

    static func settings(_ interface: String = "ib0", pkey: String? = nil, addresses: [String] = ["10.0.0.1/24"],
                         mode: IPoIBMode = .connected, dhcp: Bool = false) throws -> StanzaSettings {
        let request = try UpRequest(interface: interface, pkey: pkey.map { try PKey(parsing: $0) },
                                    mode: mode == .connected ? .connected : .datagram, mtu: nil,
                                    addresses: try addresses.map { try InterfaceAddress(cidr: $0) })
        return StanzaSettings(request, mode: mode, dhcp: dhcp)
    }
}

@Suite struct IfUpDownToolTests {
    /// ifupdown 0.8 writes create_child before pre-up and delete_child after
    /// down for an interface named PARENT.PKEY on an IPoIB parent; the stanza
    /// must not write them a second time.
    @Test(.enabled(if: StanzaTools.ifup != nil && StanzaTools.ifdown != nil,
                   "needs Debian's ifupdown (scripts/install-deps installs it)"))
    func ifupAndIfdownWriteEachChildFileOnce() throws {
        let root = try StanzaTools.root()
        defer { try? FileManager.default.removeItem(at: root) }
        let file = try StanzaRenderer.render(try StanzaTools.settings(pkey: "0x8001"), format: .ifupdown)[0]
        let interfaces = root.appendingPathComponent("interfaces")
        try file.contents.write(to: interfaces, atomically: true, encoding: .utf8)
        let state = root.appendingPathComponent("state").path
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)

        let up = try runProcess(StanzaTools.ifup!, ["--no-act", "--no-scripts", "-i", interfaces.path, "--state-dir", state, "ib0.8001"],
                                mergingErrors: true)
        #expect(up.status == 0, "\(up.stdout)")
        #expect(up.stdout.components(separatedBy: "/sys/class/net/ib0/create_child").count - 1 == 1, "\(up.stdout)")
        #expect(!up.stdout.contains("delete_child"), "\(up.stdout)")
        let lines = up.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let create = try #require(lines.firstIndex { $0.contains("create_child") }, "\(up.stdout)")
        let mode = try #require(lines.firstIndex(of: "echo connected > /sys/class/net/ib0.8001/mode"), "\(up.stdout)")
        let mtu = try #require(lines.firstIndex { $0.contains("mtu 65520") }, "\(up.stdout)")
        #expect(create < mode && mode < mtu, "\(up.stdout)")

        // --force: --no-act leaves no state behind, so ifdown would not know ib0.8001 is up.
        let down = try runProcess(StanzaTools.ifdown!, ["--no-act", "--force", "--no-scripts", "-i", interfaces.path,
                                                         "--state-dir", state, "ib0.8001"], mergingErrors: true)
        #expect(down.status == 0, "\(down.stdout)")
        #expect(down.stdout.components(separatedBy: "/sys/class/net/ib0/delete_child").count - 1 == 1, "\(down.stdout)")
        #expect(!down.stdout.contains("create_child"), "\(down.stdout)")
    }
}

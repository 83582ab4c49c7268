import Foundation
import SystemPackage
import TestProcesses
import Testing
@testable import LinkSetup

/// The stanzas read by the tools they are for, as Debian 12 ships them:
/// ifupdown 0.8, systemd-networkd and udev 252, netplan 0.106,
/// NetworkManager 1.42. Each test installs what `--write` installs under a
/// throwaway root and hands it to the real program.
enum StanzaTools {
    static func executable(_ candidates: String...) -> URL? {
        candidates.first { FileManager.default.isExecutableFile(atPath: $0) }.map(URL.init(fileURLWithPath:))
    }

    static let ifup = executable("/usr/sbin/ifup", "/sbin/ifup")
    static let ifdown = executable("/usr/sbin/ifdown", "/sbin/ifdown")
    static let networkd = executable("/lib/systemd/systemd-networkd", "/usr/lib/systemd/systemd-networkd")
    static let systemdAnalyze = executable("/usr/bin/systemd-analyze", "/bin/systemd-analyze")
    static let udevadm = executable("/usr/bin/udevadm", "/bin/udevadm", "/sbin/udevadm")
    static let unshare = executable("/usr/bin/unshare", "/bin/unshare")
    static let nmcli = executable("/usr/bin/nmcli")
    static let bash = executable("/bin/bash", "/usr/bin/bash")

    /// Private mount and network namespaces, where a veth can stand in for ib0
    /// and a tmpfs for /run without touching the host.
    static var namespaces: Bool { getuid() == 0 && unshare != nil && bash != nil && executable("/usr/sbin/ip", "/sbin/ip", "/bin/ip") != nil }

    /// A directory laid out like the target system's root, with the
    /// directories the tools' packages create.
    static func root() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ibkit-tools-\(UUID().uuidString)")
        for directory in ["etc/network/interfaces.d", "etc/systemd/network", "etc/udev/rules.d", "etc/netplan",
                          "etc/NetworkManager/system-connections", "run/systemd/network"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(directory), withIntermediateDirectories: true)
        }
        return root
    }

    static func settings(_ interface: String = "ib0", pkey: String? = nil, addresses: [String] = ["10.0.0.1/24"],
                         mode: IPoIBMode = .connected, dhcp: Bool = false) throws -> StanzaSettings {
        let request = try UpRequest(interface: interface, pkey: pkey.map { try PKey(parsing: $0) },
                                    mode: mode == .connected ? .connected : .datagram, mtu: nil,
                                    addresses: try addresses.map { try InterfaceAddress(cidr: $0) })
        return StanzaSettings(request, mode: mode, dhcp: dhcp)
    }

    @discardableResult
    static func install(_ settings: [StanzaSettings], _ format: StanzaFormat, under root: URL) throws -> WriteReport {
        try StanzaWriter(root: FilePath(root.path)).install(settings.flatMap { StanzaRenderer.render($0, format: format) },
                                                            format: format)
    }

    /// Runs `script` with bash in new mount and network namespaces, `ROOT` set.
    static func inNamespaces(_ script: String, root: URL, environment: [String: String] = [:],
                             timeout: TimeInterval = 60) throws -> ProcessRun {
        try runProcess(unshare!, ["--mount", "--net", bash!.path, "-c", script],
                       environment: environment.merging(["ROOT": root.path, "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]) { $1 },
                       mergingErrors: true, timeout: timeout)
    }

    /// systemd-networkd on the files under `ROOT/etc/systemd/network`, with a
    /// veth named ib0 (its peer up, so it has carrier) until `address` shows in
    /// `ip -o addr show dev ib0` or `logged` in networkd's log, networkd exits,
    /// or ten seconds pass. sysfs is mounted read-only because networkd then does not
    /// wait for udev, which does not run in the namespace.
    static func networkdRun(root: URL, address: String = "", logged: String = "") throws -> (log: String, link: String) {
        let script = """
            set -eu
            ulimit -c 0
            mount -t tmpfs tmpfs /run
            mkdir -p /run/systemd/netif/links /run/systemd/netif/leases /run/systemd/netif/lldp
            chown -R systemd-network: /run/systemd/netif 2>/dev/null || true
            mount -t sysfs -o ro sysfs /sys
            mount --bind "$ROOT/etc/systemd/network" /etc/systemd/network
            ip link set lo up
            ip link add ib0 type veth peer name ib0peer
            ip link set ib0peer up
            SYSTEMD_LOG_LEVEL=debug SYSTEMD_LOG_TARGET=console \(networkd!.path) > "$ROOT/networkd.log" 2>&1 &
            pid=$!
            for i in $(seq 100); do
              if [ -n "$ADDRESS" ] && ip -o addr show dev ib0 | grep -qF -- "$ADDRESS"; then break; fi
              if [ -n "$LOGGED" ] && grep -qF -- "$LOGGED" "$ROOT/networkd.log"; then break; fi
              kill -0 $pid 2>/dev/null || break
              sleep 0.1
            done
            kill $pid 2>/dev/null || true
            wait $pid 2>/dev/null || true
            ip -o link show dev ib0
            ip -o addr show dev ib0
            """
        let run = try inNamespaces(script, root: root, environment: ["ADDRESS": address, "LOGGED": logged])
        let log = (try? String(contentsOf: root.appendingPathComponent("networkd.log"), encoding: .utf8)) ?? ""
        #expect(run.status == 0, "\(run.stdout)")
        return (log, run.stdout)
    }

    /// `udevadm test` of an "add" event for a veth named ib0, with the rules
    /// under `ROOT/etc/udev/rules.d` and the .link files netplan generated
    /// under `ROOT/run/systemd/network`. It applies the rules' attribute writes
    /// and the .link file's MTU for real (in the namespace) and logs each step.
    static func udevTest(root: URL) throws -> (log: String, link: String) {
        let script = """
            set -eu
            mount -t tmpfs tmpfs /run
            mkdir -p /run/systemd/network
            mount --bind "$ROOT/run/systemd/network" /run/systemd/network
            mount -t sysfs sysfs /sys
            mount --bind "$ROOT/etc/udev/rules.d" /etc/udev/rules.d
            ip link add ib0 type veth peer name ib0peer
            \(udevadm!.path) test --action=add /sys/class/net/ib0 > "$ROOT/udevadm.log" 2>&1
            ip -o link show dev ib0
            """
        let run = try inNamespaces(script, root: root)
        let log = (try? String(contentsOf: root.appendingPathComponent("udevadm.log"), encoding: .utf8)) ?? ""
        #expect(run.status == 0, "\(run.stdout)\n\(log)")
        return (log, run.stdout)
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
        let file = StanzaRenderer.render(try StanzaTools.settings(pkey: "0x8001"), format: .ifupdown)[0]
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

@Suite(.serialized) struct NetworkdToolTests {
    static let needs = "needs root, unshare, iproute2 and systemd-networkd (systemd 252 on Debian 12) for a private network namespace"

    /// The daemon parses every file without "Unknown section" and applies
    /// MTU and address to the link; the mode comes from the udev rule, which
    /// the veth standing in for ib0 cannot take (see the udev test).
    @Test(.enabled(if: StanzaTools.namespaces && StanzaTools.networkd != nil, .init(rawValue: needs)))
    func networkdReadsTheFilesAndAppliesMTUAndAddress() throws {
        let root = try StanzaTools.root()
        defer { try? FileManager.default.removeItem(at: root) }
        try StanzaTools.install([try StanzaTools.settings(addresses: ["10.0.0.1/24", "fd00::1/64"])], .networkd, under: root)
        let run = try StanzaTools.networkdRun(root: root, address: "inet 10.0.0.1/24")
        #expect(!run.log.contains("Unknown section"), "\(run.log)")
        #expect(!run.log.contains("Unknown key"), "\(run.log)")
        #expect(run.log.contains("ib0: Configuring with /etc/systemd/network/60-ib0.network."), "\(run.log)")
        #expect(run.link.contains(" mtu 65520 "), "\(run.link)")
        #expect(run.link.contains("inet 10.0.0.1/24"), "\(run.link)")
    }

    /// The parent's drop-in is read with 60-ib0.network, so networkd goes on to
    /// create the child from its .netdev. (On a veth it then stops: networkd
    /// 252 asserts that the parent has a 20-byte InfiniBand address.)
    @Test(.enabled(if: StanzaTools.namespaces && StanzaTools.networkd != nil, .init(rawValue: needs)))
    func networkdReadsTheChildsDropInAndNetdev() throws {
        let root = try StanzaTools.root()
        defer { try? FileManager.default.removeItem(at: root) }
        try StanzaTools.install([try StanzaTools.settings(), try StanzaTools.settings(pkey: "0x8001", addresses: ["10.1.0.1/24"])],
                                .networkd, under: root)
        let run = try StanzaTools.networkdRun(root: root, logged: "Requested stacked netdev 'ib0.8001'")
        #expect(!run.log.contains("Unknown section"), "\(run.log)")
        #expect(run.log.contains("ib0.8001: loaded \"ipoib\""), "\(run.log)")
        #expect(run.log.contains("ib0: Requested stacked netdev 'ib0.8001'"), "\(run.log)")
    }

    /// systemd-analyze shows the parent's .network with the drop-in networkd
    /// reads along with it.
    @Test(.enabled(if: StanzaTools.systemdAnalyze != nil, "needs systemd-analyze (package systemd)"))
    func catConfigShowsTheDropInWithTheParentsFile() throws {
        let root = try StanzaTools.root()
        defer { try? FileManager.default.removeItem(at: root) }
        try StanzaTools.install([try StanzaTools.settings(), try StanzaTools.settings(pkey: "0x8001", addresses: ["10.1.0.1/24"])],
                                .networkd, under: root)
        let run = try runProcess(StanzaTools.systemdAnalyze!, ["--root=\(root.path)", "cat-config", "systemd/network/60-ib0.network"],
                                 environment: ["SYSTEMD_PAGER": "cat", "PATH": "/usr/bin:/bin"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("# \(root.path)/etc/systemd/network/60-ib0.network\n"), "\(run.stdout)")
        #expect(run.stdout.contains("# \(root.path)/etc/systemd/network/60-ib0.network.d/60-ibsetup-ib0.8001.conf\n"
                                    + "# Creates the P_Key child ib0.8001 on ib0."), "\(run.stdout)")
    }

    /// udev parses the rule, writes the mode with its newline, and does so
    /// before the MTU of a .link file is applied (80-net-setup-link.rules).
    @Test(.enabled(if: StanzaTools.namespaces && StanzaTools.udevadm != nil,
                   "needs root, unshare, iproute2 and udevadm (systemd 252) for a private network namespace"))
    func udevWritesTheModeBeforeTheLinkFileMTU() throws {
        let root = try StanzaTools.root()
        defer { try? FileManager.default.removeItem(at: root) }
        try StanzaTools.install([try StanzaTools.settings()], .networkd, under: root)
        try "[Match]\nOriginalName=ib0\n\n[Link]\nMTUBytes=65520\n"
            .write(to: root.appendingPathComponent("run/systemd/network/10-test-ib0.link"), atomically: true, encoding: .utf8)
        let run = try StanzaTools.udevTest(root: root)
        let lines = run.log.split(separator: "\n").map(String.init)
        #expect(!lines.contains { $0.contains("80-ibsetup-ib0.rules") && ($0.contains("Invalid") || $0.contains("nvalid key")) }, "\(run.log)")
        let write = try #require(lines.firstIndex { $0.contains("80-ibsetup-ib0.rules:5 ATTR '/sys/devices/virtual/net/ib0/mode' writing 'connected") },
                                 "\(run.log)")
        #expect(lines[write + 1] == "'", "the value ends in a newline: \(lines[write...].prefix(2))")
        let mtu = try #require(lines.firstIndex { $0.contains("Config file /run/systemd/network/10-test-ib0.link is applied") }, "\(run.log)")
        #expect(write < mtu)
        #expect(run.link.contains(" mtu 65520 "), "\(run.link)")
    }
}

@Suite struct NetplanToolTests {
    static let netplan = StanzaTools.executable("/usr/sbin/netplan", "/usr/bin/netplan")

    /// netplan generate takes the files of a parent and of a P_Key child (what
    /// it can express of the child) and writes networkd's files from them.
    @Test(.enabled(if: netplan != nil, "needs netplan (package netplan.io; scripts/install-deps installs it)"))
    func netplanGenerateAcceptsParentAndChild() throws {
        let root = try StanzaTools.root()
        defer { try? FileManager.default.removeItem(at: root) }
        try StanzaTools.install([try StanzaTools.settings(addresses: ["10.0.0.1/24", "fd00::1/64"]),
                                 try StanzaTools.settings(pkey: "0x8001", addresses: ["10.1.0.1/24"])], .netplan, under: root)
        let run = try runProcess(Self.netplan!, ["generate", "--root-dir", root.path], mergingErrors: true)
        #expect(run.status == 0, "\(run.stdout)")
        #expect(!run.stdout.contains("Error"), "\(run.stdout)")
        #expect(!run.stdout.contains("are too open"), "netplan wants its files 0600: \(run.stdout)")
        let generated = root.appendingPathComponent("run/systemd/network")
        let parent = try String(contentsOf: generated.appendingPathComponent("10-netplan-ib0.network"), encoding: .utf8)
        #expect(parent.contains("[Link]\nMTUBytes=65520\n"), "\(parent)")
        #expect(parent.contains("Address=10.0.0.1/24\nAddress=fd00::1/64\n"), "\(parent)")
        let child = try String(contentsOf: generated.appendingPathComponent("10-netplan-ib0.8001.network"), encoding: .utf8)
        #expect(child.contains("Name=ib0.8001\n") && child.contains("Address=10.1.0.1/24\n"), "\(child)")
        let link = try String(contentsOf: generated.appendingPathComponent("10-netplan-ib0.link"), encoding: .utf8)
        #expect(link.contains("MTUBytes=65520"), "\(link)")
    }

    /// netplan's .link file sets the MTU from udev (80-net-setup-link.rules);
    /// the mode rule must come first, and it does.
    @Test(.enabled(if: netplan != nil && StanzaTools.namespaces && StanzaTools.udevadm != nil,
                   "needs netplan, root, unshare, iproute2 and udevadm for a private network namespace"))
    func udevSetsTheModeBeforeNetplansLinkFile() throws {
        let root = try StanzaTools.root()
        defer { try? FileManager.default.removeItem(at: root) }
        try StanzaTools.install([try StanzaTools.settings()], .netplan, under: root)
        let generate = try runProcess(Self.netplan!, ["generate", "--root-dir", root.path], mergingErrors: true)
        #expect(generate.status == 0, "\(generate.stdout)")
        let run = try StanzaTools.udevTest(root: root)
        let lines = run.log.split(separator: "\n").map(String.init)
        let write = try #require(lines.firstIndex { $0.contains("80-ibsetup-ib0.rules:5 ATTR") && $0.contains("/mode' writing 'connected") },
                                 "\(run.log)")
        let mtu = try #require(lines.firstIndex { $0.contains("Config file /run/systemd/network/10-netplan-ib0.link is applied") },
                               "\(run.log)")
        #expect(write < mtu)
    }
}

@Suite struct NetworkManagerToolTests {
    static let cases: [(String, String?, [String], IPoIBMode, Bool)] = [
        ("ib0", nil, ["10.0.0.1/24"], .connected, false),
        ("ib0", nil, ["10.0.0.1/24", "10.0.1.1/24", "fd00::1/64", "fd00::2/64"], .datagram, false),
        ("ib0", nil, [], .datagram, true),
        ("ib0", nil, [], .connected, false),
        ("ib0", "0x8001", ["10.1.0.1/24"], .connected, false),
        ("ib0", "0x0001", ["fd00::1/64"], .datagram, false),
    ]

    static func sections(_ keyfile: String) -> [String] {
        keyfile.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("#") && !$0.hasPrefix("uuid=") }.map(String.init)
    }

    /// Our keyfile is the one `nmcli --offline connection add` writes for the
    /// commands we print (but for its random UUID), and NetworkManager's own
    /// keyfile reader takes it as it is: `connection modify` reads it from
    /// stdin, checks it and writes it back unchanged.
    @Test(.enabled(if: StanzaTools.nmcli != nil, "needs nmcli 1.42 or later (package network-manager; scripts/install-deps installs it)"),
          arguments: cases)
    func keyfileIsWhatNMCliWrites(interface: String, pkey: String?, addresses: [String], mode: IPoIBMode, dhcp: Bool) throws {
        let settings = try StanzaTools.settings(interface, pkey: pkey, addresses: addresses, mode: mode, dhcp: dhcp)
        let file = StanzaRenderer.render(settings, format: .nmcli)[0]
        let command = try #require(file.commands?.split(separator: "\n").first { $0.hasPrefix("nmcli connection add ") })
        let words = command.split(separator: " ").dropFirst().map(String.init)
        let added = try runProcess(StanzaTools.nmcli!, ["--offline"] + words)
        #expect(added.status == 0, "\(added.stderr)")
        #expect(Self.sections(added.stdout) == Self.sections(file.contents), "nmcli wrote:\n\(added.stdout)\nibsetup writes:\n\(file.contents)")

        let name = settings.interface
        let modified = try runProcess(StanzaTools.nmcli!, ["--offline", "connection", "modify", "connection.id", name],
                                      stdin: .bytes(Array(file.contents.utf8)))
        #expect(modified.status == 0, "\(modified.stderr)")
        #expect(modified.stdout == file.contents.split(separator: "\n", omittingEmptySubsequences: false)
                    .filter { !$0.hasPrefix("#") }.joined(separator: "\n"), "\(modified.stdout)")
    }
}

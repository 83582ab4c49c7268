import Foundation
import TestProcesses
import Testing

/// `ibsetup up`, `down` and `stanza` end to end: dry runs against every
/// captured sysfs tree, bad input, stanza output and --write.
@Suite struct LinkSetupCLITests {
    /// What `ibsetup up ib0 --address 10.0.0.1/24 --dry-run` prints on each
    /// captured host: (scenario, exit status, stdout, start of stderr).
    static let upDryRuns: [(String, Int32, String, String)] = [
        ("a", 0, """
            ib0 on mlx4_0 port 1: ACTIVE (LinkUp), subnet manager LID 0x1
            note: ib0: a captured sysfs tree holds no addresses; every address is planned as new
            plan (3 steps):
              1. ib0: set mode connected (write "connected\\n" to /sys/class/net/ib0/mode; was datagram)
              2. ib0: set MTU 65520 (was 2044)
              3. ib0: add address 10.0.0.1/24
            dry run: nothing changed

            """, ""),
        ("b", 0, """
            ib0 on mlx4_0 port 1: ACTIVE (LinkUp), subnet manager LID 0x1
            note: ib0: a captured sysfs tree holds no addresses; every address is planned as new
            plan (1 step):
              1. ib0: add address 10.0.0.1/24
            dry run: nothing changed

            """, ""),
        ("c", 2, "", "Error: ib0: connected mode not supported (enhanced IPoIB, address flags without 0x80, the kernel answers EINVAL); use --mode auto or --mode datagram"),
        ("d", 2, "", "warning: ib0: no subnet manager on mlx5_0 port 1 (INIT)"),
        ("d2", 0, """
            ib0 on mlx4_0 port 1: INIT (LinkUp)
            note: ib0: a captured sysfs tree holds no addresses; every address is planned as new
            plan (3 steps):
              1. ib0: set mode connected (write "connected\\n" to /sys/class/net/ib0/mode; was datagram)
              2. ib0: set MTU 65520 (was 4092)
              3. ib0: add address 10.0.0.1/24
            dry run: nothing changed

            """, "warning: ib0: no subnet manager on mlx4_0 port 1 (INIT); the link stays without carrier until one runs (start opensm on one node)"),
        ("e", 1, "", "Error: ib0: port mlx4_0 port 1 is DOWN (Polling), not ACTIVE; check the cable and the switch port, then 'ibsetup status'"),
        ("f", 0, """
            ib0 on mlx4_0 port 1: ACTIVE (LinkUp), subnet manager LID 0x3
            note: ib0: a captured sysfs tree holds no addresses; every address is planned as new
            plan (3 steps):
              1. ib0: set mode connected (write "connected\\n" to /sys/class/net/ib0/mode; was datagram)
              2. ib0: set MTU 65520 (was 2044)
              3. ib0: add address 10.0.0.1/24
            dry run: nothing changed

            """, ""),
        ("f2", 2, "", "Error: ib0: no such interface; IPoIB interfaces here: ibp195s0, ibp195s0d1"),
        ("f3", 0, """
            ib0 on mlx4_0 port 1: ACTIVE (LinkUp), subnet manager LID 0x3
            note: ib0: a captured sysfs tree holds no addresses; every address is planned as new
            plan (3 steps):
              1. ib0: set mode connected (write "connected\\n" to /sys/class/net/ib0/mode; was datagram)
              2. ib0: set MTU 65520 (was 2044)
              3. ib0: add address 10.0.0.1/24
            dry run: nothing changed

            """, ""),
        ("g", 0, """
            ib0 on mlx4_0 port 1: ACTIVE (LinkUp), subnet manager LID 0x1
            note: ib0: a captured sysfs tree holds no addresses; every address is planned as new
            plan (3 steps):
              1. ib0: set mode connected (write "connected\\n" to /sys/class/net/ib0/mode; was datagram)
              2. ib0: set MTU 65520 (was 2044)
              3. ib0: add address 10.0.0.1/24
            dry run: nothing changed

            """, ""),
        ("h", 2, "", "Error: ib0: no such interface, and no InfiniBand port on this host (RoCE ports carry no IPoIB); check 'ibsetup status'"),
        ("i", 2, "", "Error: ib0: no such interface, and no InfiniBand port on this host (RoCE ports carry no IPoIB); check 'ibsetup status'"),
        ("i2", 2, "", "Error: ib0: no such interface, and no InfiniBand port on this host (RoCE ports carry no IPoIB); check 'ibsetup status'"),
        ("j", 0, """
            ib0 on qib0 port 1: ACTIVE (LinkUp), subnet manager LID 0x1
            note: ib0: a captured sysfs tree holds no addresses; every address is planned as new
            plan (2 steps):
              1. ib0: set MTU 65520 (was 2044)
              2. ib0: add address 10.0.0.1/24
            dry run: nothing changed

            """, ""),
        ("k", 0, """
            ib0 on mlx4_0 port 1: ACTIVE (LinkUp), subnet manager LID 0x1
            note: ib0: a captured sysfs tree holds no addresses; every address is planned as new
            plan (2 steps):
              1. ib0: set MTU 65520 (was 2044)
              2. ib0: add address 10.0.0.1/24
            dry run: nothing changed

            """, ""),
        // mlx5 in two PCI functions: ib0 is enhanced IPoIB like (c).
        ("l", 2, "", "Error: ib0: connected mode not supported (enhanced IPoIB, address flags without 0x80, the kernel answers EINVAL); use --mode auto or --mode datagram"),
    ]

    @Test func everyScenarioHasAnExpectedDryRun() {
        #expect(Set(Self.upDryRuns.map(\.0)) == Set(LinkSetupFixture.scenarios.map { String($0.prefix { $0 != "-" }) }))
    }

    @Test(arguments: upDryRuns)
    func upDryRunPrintsThePlan(scenario: String, status: Int32, stdout: String, stderr: String) throws {
        let tree = try LinkSetupFixture(scenario)
        defer { tree.remove() }
        let run = try runTool("ibsetup", ["up", "ib0", "--address", "10.0.0.1/24", "--dry-run", "--sysfs-root", tree.root.path])
        #expect(run.status == status, "\(run.stderr)")
        #expect(run.stdout == stdout)
        #expect(run.stderr.hasPrefix(stderr), "\(run.stderr)")
        if status != 0 { #expect(run.stderr.split(separator: "\n").last?.hasPrefix("Error: ") == true) }
    }

    @Test func autoModeOnEnhancedIPoIBIsAlreadyConfiguredInDatagram() throws {
        let tree = try LinkSetupFixture("c")
        defer { tree.remove() }
        let run = try runTool("ibsetup", ["up", "ib0", "--mode", "auto", "--dry-run", "--sysfs-root", tree.root.path])
        #expect(run.status == 0)
        #expect(run.stdout.hasSuffix("ib0: already configured, nothing to do\n"))
        #expect(run.stdout.contains("--mode auto uses datagram"))
    }

    @Test func requireSMTurnsTheWarningIntoExitStatusOne() throws {
        let tree = try LinkSetupFixture("d2")
        defer { tree.remove() }
        let run = try runTool("ibsetup", ["up", "ib0", "--require-sm", "--dry-run", "--sysfs-root", tree.root.path])
        #expect(run.status == 1)
        #expect(run.stderr == "Error: ib0: no subnet manager on mlx4_0 port 1 (state INIT, SM LID 0); start opensm on one node of the fabric\n")
    }

    @Test func pkeyChildPlanAndJSON() throws {
        let tree = try LinkSetupFixture("g")
        defer { tree.remove() }
        let run = try runTool("ibsetup", ["up", "ib0", "--pkey", "0x8002", "--dry-run", "--json", "--sysfs-root", tree.root.path])
        #expect(run.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let steps = try #require(object["steps"] as? [[String: String]])
        #expect(steps.map { $0["kind"]! } == ["create-child", "set-mode", "set-mtu", "link-up"])
        #expect(steps[0]["action"] == "create P_Key child ib0.8002 (write 0x8002 to /sys/class/net/ib0/create_child)")
        #expect(object["dry_run"] as? Bool == true)
        #expect(object["schema"] as? String == "ibkit.link/1")
        #expect(run.stdout.split(separator: "\n").count == 1, "one JSON line")
    }

    @Test func downDeletesTheChildAndIsDoneWhenItIsGone() throws {
        let tree = try LinkSetupFixture("g")
        defer { tree.remove() }
        let run = try runTool("ibsetup", ["down", "ib0.8001", "--delete-child", "--dry-run", "--sysfs-root", tree.root.path])
        #expect(run.status == 0)
        #expect(run.stdout.contains("  1. ib0.8001: bring link down (was up)\n  2. ib0: delete P_Key child ib0.8001 (write 0x8001 to /sys/class/net/ib0/delete_child)\n"))
        let gone = try runTool("ibsetup", ["down", "ib0.8002", "--delete-child", "--dry-run", "--sysfs-root", tree.root.path])
        #expect(gone.status == 0)
        #expect(gone.stdout == "ib0.8002: already configured, nothing to do\n")
    }

    /// Bad input: one line on stderr, nothing on stdout; exit status 64 for a value on the
    /// command line that is refused, 2 for what the host or a file holds.
    @Test(arguments: [
        (["up", "ib9"], 2, "Error: ib9: no such interface; IPoIB interfaces here: ib0\n"),
        (["up", "lo"], 2, "Error: lo: not an IPoIB interface"),
        (["up", "ib0", "--address", "10.0.0.1"], 64, "Error: 10.0.0.1: invalid address, expected ADDRESS/PREFIX"),
        (["up", "ib0", "--address", "10.0.0.300/24"], 64, "Error: 10.0.0.300/24: invalid address"),
        (["up", "ib0", "--mtu", "65521"], 64, "Error: MTU 65521: out of range, connected mode allows 68 to 65520 bytes"),
        (["up", "ib0", "--mtu", "9000", "--mode", "datagram"], 64, "Error: MTU 9000: too large for datagram mode (at most 4092 bytes)"),
        (["up", "ib0", "--pkey", "0"], 64, "Error: 0x0000: invalid P_Key"),
        (["up", "ib0", "--pkey", "0x8000"], 64, "Error: 0x8000: invalid P_Key"),
        (["up", "ib0", "--pkey", "0x10000"], 64, "Error: 0x10000: invalid P_Key"),
        (["up", "ib0", "--config", "MALFORMED"], 2, "Error: "),
        (["up", "ib0"], 2, "Error: "),   // without --dry-run: a captured tree cannot be changed
        (["down", "ib0;x"], 64, "Error: ib0;x: not a valid interface name"),
    ])
    func badInputIsOneLineWithItsStatus(arguments: [String], status: Int32, stderr: String) throws {
        let tree = try LinkSetupFixture("a")
        defer { tree.remove() }
        var args = arguments.map { $0 == "MALFORMED" ? tree.root.appendingPathComponent("bad.yaml").path : $0 }
        try "interfaces:\n  ib0: [unclosed\n".write(to: tree.root.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
        if arguments != ["up", "ib0"] { args.append("--dry-run") }
        args += ["--sysfs-root", tree.root.path]
        if arguments.first == "up", args.contains("lo") { args.removeLast(2) }   // lo lives on this host, not in the tree
        let run = try runTool("ibsetup", args)
        #expect(run.status == status, "\(run.stderr)")
        #expect(run.stderr.hasPrefix(stderr), "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        #expect(run.stdout.isEmpty)
    }

    /// A stanza's `pre-up` writes the interface's IPoIB mode file and its name goes into a
    /// shell command; a P_Key with a sign once trapped the parser.
    @Test(arguments: [
        (["stanza", "lo", "--mode", "datagram"], 2, "Error: lo: not an IPoIB interface (link type 772, IPoIB is 32)"),
        (["stanza", "lo"], 2, "Error: lo: not an IPoIB interface"),
        (["stanza", "ib0;date", "--mode", "datagram"], 64, "Error: ib0;date: not a valid interface name"),
        (["stanza", "ib*"], 64, "Error: ib*: not a valid interface name"),
        (["stanza", "ib0", "--pkey=-1"], 64, "Error: -1: invalid P_Key"),
        (["up", "ib0", "--pkey=0x-1", "--dry-run"], 64, "Error: 0x-1: invalid P_Key"),
    ])
    func stanzaBadInputIsOneLine(arguments: [String], status: Int32, stderr: String) throws {
        let run = try runTool("ibsetup", arguments)
        #expect(run.status == status, "\(run.stderr)")
        #expect(run.stderr.hasPrefix(stderr), "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        #expect(run.stdout.isEmpty)
    }

    /// `up ib0 --config` configures the entry named ib0, not its P_Key child's as well.
    @Test func configEntryIsPickedByItsName() throws {
        let tree = try LinkSetupFixture("f")
        defer { tree.remove() }
        let config = PythonTools.projectRoot.appendingPathComponent("configs/ipoib.yaml").path
        let parent = try runTool("ibsetup", ["up", "ib0", "--config", config, "--dry-run", "--sysfs-root", tree.root.path])
        #expect(parent.status == 0, "\(parent.stderr)")
        #expect(parent.stdout.contains("ib0: set MTU 65520"))
        #expect(!parent.stdout.contains("ib0.8001"), "\(parent.stdout)")
        let child = try runTool("ibsetup", ["up", "ib0.8001", "--config", config, "--dry-run", "--sysfs-root", tree.root.path])
        #expect(child.status == 0, "\(child.stderr)")
        #expect(child.stdout.contains("ib0: create P_Key child ib0.8001"))
        #expect(!child.stdout.contains("ib0: set MTU"), "\(child.stdout)")
    }

    @Test func stanzaPrintsTheIfupdownStanza() throws {
        let run = try runTool("ibsetup", ["stanza", "ib0", "--address", "10.0.0.1/24"])
        #expect(run.status == 0)
        #expect(run.stdout == """
            # ib0: IPoIB in connected mode, MTU 65520. Written by ibsetup stanza.
            auto ib0
            iface ib0 inet static
                address 10.0.0.1/24
                mtu 65520
                pre-up echo connected > /sys/class/net/ib0/mode

            """)
    }

    @Test func stanzaWriteInstallsUnderARootAndRefusesToClobber() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ibkit-cli-stanza-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("etc/network/interfaces.d"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let run = try runTool("ibsetup", ["stanza", "ib0", "--address", "10.0.0.1/24", "--write", "--root", root.path])
        #expect(run.status == 0)
        #expect(run.stdout == "/etc/network/interfaces.d/ib0: written\n")
        #expect(run.stderr.contains("warning: \(root.path)/etc/network/interfaces: missing"))
        let other = root.appendingPathComponent("etc/network/interfaces.d/ib1")
        try "auto ib2\niface ib2 inet dhcp\n".write(to: other, atomically: true, encoding: .utf8)
        let refused = try runTool("ibsetup", ["stanza", "ib1", "--write", "--root", root.path])
        #expect(refused.status == 2)
        #expect(refused.stderr == "Error: \(other.path): also configures ib2; move that stanza out or write with --format to another file\n")
        #expect(try String(contentsOf: other, encoding: .utf8) == "auto ib2\niface ib2 inet dhcp\n")

        // A directory the target lacks (no NetworkManager in the image): the full path, nothing written.
        let missing = try runTool("ibsetup", ["stanza", "ib0", "--format", "nmcli", "--write", "--root", root.path])
        #expect(missing.status == 2)
        #expect(missing.stderr == "Error: \(root.path)/etc/NetworkManager/system-connections/ib0.nmconnection: cannot write into its directory (ENOENT); check the directory exists and is writable\n")
    }

    /// netplan's form is two files (the YAML and a udev rule for the mode): when the second
    /// cannot be replaced, the first is not written either.
    @Test func stanzaWriteOfSeveralFilesIsAllOrNothing() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ibkit-cli-stanza-\(UUID().uuidString)")
        let netplan = root.appendingPathComponent("etc/netplan")
        let rule = root.appendingPathComponent("etc/udev/rules.d/80-ibsetup-ib0.rules")
        try FileManager.default.createDirectory(at: netplan, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: rule, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let arguments = ["stanza", "ib0", "--address", "10.0.0.1/24", "--format", "netplan", "--write", "--root", root.path]
        let refused = try runTool("ibsetup", arguments)
        #expect(refused.status == 2)
        #expect(refused.stderr == "Error: \(rule.path): is a directory, not a file, so it cannot be replaced; move it out of the way and run again\n")
        #expect(refused.stdout.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: netplan.path).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: rule.path).isEmpty)
        try FileManager.default.removeItem(at: rule)
        let run = try runTool("ibsetup", arguments)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "/etc/netplan/60-ibsetup-ib0.yaml: written\n/etc/udev/rules.d/80-ibsetup-ib0.rules: written\n")
    }

    /// One P_Key child in a --config does not stop netplan's files for the
    /// rest: the child gets what netplan can say, and stderr and the file say
    /// what is left out.
    @Test func stanzaConfigWithAChildForNetplanWritesTheRest() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ibkit-cli-netplan-\(UUID().uuidString)")
        for directory in ["etc/netplan", "etc/udev/rules.d"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(directory), withIntermediateDirectories: true)
        }
        defer { try? FileManager.default.removeItem(at: root) }
        let config = root.appendingPathComponent("links.yaml")
        try "interfaces:\n  ib0:\n    addresses: [10.0.0.1/24]\n  ib0.8001:\n    pkey: 0x8001\n    addresses: [10.1.0.1/24]\n"
            .write(to: config, atomically: true, encoding: .utf8)
        let note = "ib0.8001: netplan cannot create P_Key children, so nothing creates this one; create it with 'echo 0x8001 > /sys/class/net/ib0/create_child', or use --format networkd or nmcli"
        let printed = try runTool("ibsetup", ["stanza", "--config", config.path, "--format", "netplan"])
        #expect(printed.status == 0, "\(printed.stderr)")
        #expect(printed.stderr == "warning: \(note)\n")
        #expect(printed.stdout.contains("# /etc/netplan/60-ibsetup-ib0.8001.yaml\n# ib0.8001: IPoIB in connected mode"))

        let run = try runTool("ibsetup", ["stanza", "--config", config.path, "--format", "netplan", "--write", "--root", root.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr == "warning: \(note)\n")
        #expect(run.stdout == """
            /etc/netplan/60-ibsetup-ib0.yaml: written
            /etc/udev/rules.d/80-ibsetup-ib0.rules: written
            /etc/netplan/60-ibsetup-ib0.8001.yaml: written
            /etc/udev/rules.d/80-ibsetup-ib0.8001.rules: written

            """)
        let child = try String(contentsOf: root.appendingPathComponent("etc/netplan/60-ibsetup-ib0.8001.yaml"), encoding: .utf8)
        #expect(child.contains("# Left out: \(note)\n"))
    }

    static let netplan = ["/usr/sbin/netplan", "/usr/bin/netplan"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test(.enabled(if: netplan != nil, "needs netplan (package netplan.io; scripts/install-deps installs it)"))
    func netplanGenerateTakesWhatStanzaConfigWrote() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ibkit-cli-netplan-\(UUID().uuidString)")
        for directory in ["etc/netplan", "etc/udev/rules.d"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(directory), withIntermediateDirectories: true)
        }
        defer { try? FileManager.default.removeItem(at: root) }
        let tree = try LinkSetupFixture("f")
        defer { tree.remove() }
        let run = try runTool("ibsetup", ["stanza", "--config", PythonTools.projectRoot.appendingPathComponent("configs/ipoib.yaml").path,
                                          "--format", "netplan", "--write", "--root", root.path, "--sysfs-root", tree.root.path])
        #expect(run.status == 0, "\(run.stderr)")
        let generate = try runProcess(URL(fileURLWithPath: Self.netplan!), ["generate", "--root-dir", root.path], mergingErrors: true)
        #expect(generate.status == 0, "\(generate.stdout)")
        #expect(generate.stdout.isEmpty, "\(generate.stdout)")
        for name in ["ib0", "ib1", "ib0.8001"] {
            let network = root.appendingPathComponent("run/systemd/network/10-netplan-\(name).network").path
            #expect(FileManager.default.fileExists(atPath: network), "\(name)")
        }
    }

    @Test func stanzaWritesANetworkManagerKeyfile() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ibkit-cli-nm-\(UUID().uuidString)")
        let directory = root.appendingPathComponent("etc/NetworkManager/system-connections")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let arguments = ["stanza", "ib0", "--pkey", "0x8001", "--address", "10.1.0.1/24", "--format", "nmcli"]
        let printed = try runTool("ibsetup", arguments)
        #expect(printed.status == 0)
        #expect(printed.stdout.hasPrefix("# ib0.8001: IPoIB in connected mode, MTU 65520, P_Key 0x8001 child of ib0. Written by ibsetup stanza.\nnmcli connection add type infiniband con-name ib0.8001 "))

        let run = try runTool("ibsetup", arguments + ["--write", "--root", root.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "/etc/NetworkManager/system-connections/ib0.8001.nmconnection: written\n")
        let keyfile = directory.appendingPathComponent("ib0.8001.nmconnection")
        #expect(try String(contentsOf: keyfile, encoding: .utf8).contains("[infiniband]\nmtu=65520\np-key=32769\nparent=ib0\ntransport-mode=connected\n"))
        #expect((try FileManager.default.attributesOfItem(atPath: keyfile.path)[.posixPermissions] as? Int) == 0o600)
        let again = try runTool("ibsetup", arguments + ["--write", "--root", root.path])
        #expect(again.stdout == "/etc/NetworkManager/system-connections/ib0.8001.nmconnection: unchanged\n")
    }

    @Test func configFileDrivesSeveralInterfaces() throws {
        let tree = try LinkSetupFixture("f")
        defer { tree.remove() }
        let config = tree.root.appendingPathComponent("links.yaml")
        try "interfaces:\n  ib0:\n    addresses: [10.0.0.1/24]\n  ib1:\n    mode: datagram\n".write(to: config, atomically: true, encoding: .utf8)
        let run = try runTool("ibsetup", ["up", "--config", config.path, "--dry-run", "--sysfs-root", tree.root.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("  1. ib0: set mode connected"))
        #expect(run.stdout.contains("ib1 on mlx4_0 port 2: ACTIVE (LinkUp), subnet manager LID 0x2"))
        let usage = try runTool("ibsetup", ["up", "--config", config.path, "--mtu", "9000"])
        #expect(usage.status == 64)
    }
}

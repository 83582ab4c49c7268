import ArgumentParser
import LinkSetup

struct Stanza: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stanza",
        abstract: "Print (or install) the configuration that keeps an IPoIB link set up across reboots.",
        // The synopsis without every option, which would not fit in 80 columns.
        usage: "ibsetup stanza [<options>] [<interface>]",
        discussion: """
            Formats: ifupdown (/etc/network/interfaces.d/IFACE; the mode is written in
            pre-up, before the MTU is applied), netplan (infiniband-mode), networkd
            ([IPoIB] Mode=, and a .netdev with Kind=ipoib for P_Key children), nmcli
            (commands to run). Without addresses the stanza is 'manual'; --dhcp asks for
            DHCP.

            --write installs the file atomically (temporary file, fsync, rename), keeps
            the replaced file as .NAME.ibsetup-backup beside it, refuses to replace a
            file that configures other interfaces, and warns when
            /etc/network/interfaces does not source interfaces.d.

            Examples:
              ibsetup stanza ib0 --address 10.0.0.1/24
              ibsetup stanza ib0 --address 10.0.0.1/24 --address fd00::1/64 --write
              ibsetup stanza ib0 --pkey 0x8001 --address 10.1.0.1/24 --format networkd
              ibsetup stanza ib0 --mode datagram --dhcp --format nmcli

            Exit status: 0 printed or written, 2 error (nothing written), 64 usage.
            """)

    @Argument(help: "The IPoIB interface, e.g. ib0 (optional with --config).")
    var interface: String?

    @OptionGroup var settings: LinkSettingsOptions

    @Option(help: "ifupdown, netplan, networkd or nmcli.")
    var format: StanzaFormat = .ifupdown

    @Flag(help: "Get the IPv4 address by DHCP.")
    var dhcp = false

    @Flag(help: "Install the file instead of printing it.")
    var write = false

    @Option(help: ArgumentHelp("Install under DIR instead of / (an image being built).", valueName: "dir"))
    var root: String = "/"

    @OptionGroup var sysfs: SysfsRootOption

    func validate() throws {
        try settings.validate(interface: interface)
        if dhcp, !settings.addresses.filter({ !$0.contains(":") }).isEmpty {
            throw ValidationError("--dhcp gets the IPv4 address from DHCP; leave out IPv4 --address values")
        }
    }

    func run() throws {
        try runLinkSetup { (console) throws(LinkSetupError) in
            try StanzaCommand.run(StanzaOptions(requests: try settings.requests(interface: interface), format: format,
                                                dhcp: dhcp, write: write, root: root, sysfsRoot: sysfs.sysfsRoot),
                                  console: console)
        }
    }
}

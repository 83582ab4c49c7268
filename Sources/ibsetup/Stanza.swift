import ArgumentParser
import CommandSupport
import LinkSetup

struct Stanza: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stanza",
        abstract: "Print (or install) the configuration that keeps an IPoIB link set up across reboots.",
        // The synopsis without every option, which would not fit in 80 columns.
        usage: "ibsetup stanza [<options>] [<interface>]",
        discussion: """
            Formats: ifupdown (/etc/network/interfaces.d/IFACE; the mode is written in
            pre-up, before the MTU is applied; ifupdown 0.8 creates P_Key children
            itself), networkd (.network, plus a udev rule that sets the mode, as
            networkd 252 ignores [IPoIB] in .network files; a .netdev with Kind=ipoib
            and a drop-in for the parent's .network for P_Key children), netplan (YAML
            with infiniband-mode, plus the same udev rule; it cannot create P_Key
            children and says so on stderr), nmcli (prints nmcli commands; --write
            installs the equivalent keyfile). Targets Debian 12: systemd 252, netplan
            0.106, NetworkManager 1.42. Without addresses the stanza is 'manual';
            --dhcp asks for DHCP.

            --write installs the files atomically (temporary file, fsync, rename), so
            a target is always the old file or the new one, even if ibsetup is killed;
            the next run removes a temporary file a killed run left. It keeps a
            replaced file as .NAME.ibsetup-backup beside it (hidden, so that
            ifupdown's 'source interfaces.d/*' skips it, and netplan, networkd and
            udev read only their own suffixes; restore it with mv), refuses to replace
            a file that configures other interfaces, and warns when
            /etc/network/interfaces does not source interfaces.d or a child's drop-in
            has no parent .network to go with. Errors name the full path under --root.

            Examples:
              ibsetup stanza ib0 --address 10.0.0.1/24
              ibsetup stanza ib0 --address 10.0.0.1/24 --address fd00::1/64 --write
              ibsetup stanza ib0 --pkey 0x8001 --address 10.1.0.1/24 --format networkd
              ibsetup stanza ib0 --mode datagram --dhcp --format nmcli

            Exit status: 0 printed or written, 2 error (nothing written), 64 usage.
            """)

    @Argument(help: "The IPoIB interface, e.g. ib0 (optional with --config).", completion: Completions.ipoibInterfaces)
    var interface: String?

    @OptionGroup var settings: LinkSettingsOptions

    @Option(help: "ifupdown, netplan, networkd or nmcli.")
    var format: StanzaFormat = .ifupdown

    @Flag(help: "Get the IPv4 address by DHCP.")
    var dhcp = false

    @Flag(help: "Install the files instead of printing them.")
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
        let requests = try settings.checkedRequests(interface: interface)
        try runLinkSetup { (console) throws(LinkSetupError) in
            try StanzaCommand.run(StanzaOptions(requests: requests, format: format,
                                                dhcp: dhcp, write: write, root: root, sysfsRoot: sysfs.sysfsRoot),
                                  console: console)
        }
    }
}

import ArgumentParser
import CommandSupport
import LinkSetup

struct Up: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Bring an IPoIB interface up: connected mode, MTU 65520, addresses, link up.",
        // The synopsis without every option, which would not fit in 80 columns.
        usage: "ibsetup up [<options>] [<interface>]",
        discussion: """
            Checks first (interface exists and is IPoIB, port ACTIVE, subnet manager
            present, connected mode supported, root), plans the steps from the current
            state, applies them, and reads every setting back. If a step fails, the
            steps already done are undone, newest first. On an interface already in the
            requested state it changes nothing and says so.

            Examples:
              ibsetup up ib0 --address 10.0.0.1/24 --dry-run
              ibsetup up ib0 --address 10.0.0.1/24 --address fd00::1/64
              ibsetup up ib0 --mode auto --require-sm
              ibsetup up ib0 --pkey 0x8001 --address 10.1.0.1/24
              ibsetup up --config /etc/ibkit/ipoib.yaml
              ibsetup up ib0 --dry-run --sysfs-root ./captured-host

            Exit status: 0 done (or nothing to do), 1 port not ready or no subnet
            manager with --require-sm, 2 error (nothing changed, or rolled back), 64
            usage.
            """)

    @Argument(help: "The IPoIB interface, e.g. ib0 (optional with --config).", completion: Completions.ipoibInterfaces)
    var interface: String?

    @OptionGroup var settings: LinkSettingsOptions

    @Flag(help: "Print the steps that would run; change nothing.")
    var dryRun = false

    @OptionGroup var output: ReportFormatOptions

    @OptionGroup var sysfs: SysfsRootOption

    @Flag(help: "Fail (exit status 1) instead of warning when no subnet manager answers.")
    var requireSM = false

    func validate() throws { try settings.validate(interface: interface) }

    func run() throws {
        let requests = try settings.checkedRequests(interface: interface)
        try runLinkSetup { (console) throws(LinkSetupError) in
            try UpCommand.run(UpOptions(requests: requests, dryRun: dryRun,
                                        requireSM: requireSM, json: output.isJSON, sysfsRoot: sysfs.sysfsRoot),
                              console: console)
        }
    }
}

import ArgumentParser
import CommandSupport
import LinkSetup

struct Down: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "down",
        abstract: "Take an IPoIB interface down: remove its addresses, set the link down.",
        // The synopsis without every option, which would not fit in 80 columns.
        usage: "ibsetup down [<options>] <interface>",
        discussion: """
            The inverse of 'ibsetup up', equally safe: plans from the current state,
            undoes everything if a step fails, and changes nothing on an interface that
            is already down without addresses. IPv6 link-local addresses are left to the
            kernel. The mode and MTU stay as they are.

            Examples:
              ibsetup down ib0 --dry-run
              ibsetup down ib0
              ibsetup down ib0.8001 --delete-child

            Exit status: 0 done (or nothing to do), 2 error (nothing changed, or rolled
            back), 64 usage.
            """)

    @Argument(help: "The IPoIB interface, e.g. ib0 or ib0.8001.", completion: Completions.ipoibInterfaces)
    var interface: String

    @Flag(help: "Also delete the P_Key child (the interface must be one, e.g. ib0.8001).")
    var deleteChild = false

    @Flag(help: "Print the steps that would run; change nothing.")
    var dryRun = false

    @OptionGroup var output: ReportFormatOptions

    @OptionGroup var sysfs: SysfsRootOption

    func run() throws {
        let request: DownRequest
        do { request = try DownRequest(interface: interface, deleteChild: deleteChild) } catch {
            throw Outcome(.usage, message: String(describing: error))   // the argument is what is wrong
        }
        try runLinkSetup { (console) throws(LinkSetupError) in
            try DownCommand.run(DownOptions(requests: [request],
                                            dryRun: dryRun, json: output.isJSON, sysfsRoot: sysfs.sysfsRoot),
                                console: console)
        }
    }
}

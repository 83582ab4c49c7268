import ArgumentParser
import CommandSupport
import Fabric
import SystemPackage

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show HCAs, ports, rates, IPoIB interfaces, the subnet manager, and whether each interface is ready for connected mode.",
        // The synopsis without every option, which would not fit in 80 columns.
        usage: "ibsetup status [<options>] [<target>]",
        discussion: """
            One line per port and IPoIB interface, then one verdict line per interface
            (configured, ready or blocked, with the reason and the command that fixes
            it). --format json (or --json) prints the same as one JSON document
            (schema ibkit.status/1, see README).

            Exit status: 0 done; 2 no InfiniBand devices, or IFACE|HCA not found.

            Examples:
              ibsetup status
              ibsetup status ib0
              ibsetup status mlx5_0 --format json
              ibsetup status --sysfs-root /tmp/captured-host
            """
    )

    @Argument(help: "Show only this IPoIB interface (ib0) or RDMA device (mlx5_0).", completion: Completions.interfacesAndDevices)
    var target: String?

    @OptionGroup var output: ReportFormatOptions

    @OptionGroup var sysfs: SysfsRootOption

    func run() throws {
        try finishReport(statusReport(root: FilePath(sysfs.sysfsRoot ?? "/"), filter: target, json: output.isJSON))
    }
}

/// Prints a report command's outcome and ends with ibsetup's status for it.
func finishReport(_ outcome: CommandOutcome) throws {
    StandardOutput.write(outcome.output)
    for line in outcome.diagnostics { StandardError.error(line) }
    switch outcome.ending {
    case .done: return
    case .checkFailed: try Outcome.failed.end()
    case .error: try Outcome(.error).end()
    }
}

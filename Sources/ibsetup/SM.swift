import ArgumentParser
import CommandSupport
import Fabric
import SystemPackage

struct SM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sm",
        abstract: "Check that a subnet manager serves every InfiniBand port (the exit status says).",
        // The synopsis without every option, which would not fit in 80 columns.
        usage: "ibsetup sm [<options>]",
        discussion: """
            A port is served when it is ACTIVE with an assigned LID and an SM LID; INIT
            with LinkUp means no subnet manager answered. RoCE (Ethernet) ports need
            none.

            Exit status: 0 every InfiniBand port is served; 1 a port is not (reasons
            printed); 2 no InfiniBand devices or bad input.

            Examples:
              ibsetup sm
              ibsetup sm --wait 30        # right after systemctl start opensm
              ibsetup sm --format json
            """
    )

    @OptionGroup var output: ReportFormatOptions

    @Option(help: "Wait up to this many seconds for a subnet manager, checking once a second.",
            transform: RangedValue.integer(0...3600, unit: "seconds"))
    var wait: Int = 0

    @OptionGroup var sysfs: SysfsRootOption

    func run() throws {
        try finishReport(subnetManagerCheck(root: FilePath(sysfs.sysfsRoot ?? "/"), json: output.isJSON, wait: wait))
    }
}

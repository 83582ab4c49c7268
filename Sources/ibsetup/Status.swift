import ArgumentParser
import Fabric
import SystemPackage

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show HCAs, ports, rates, IPoIB interfaces, the subnet manager, and whether each interface is ready for connected mode.",
        discussion: """
            One line per port and IPoIB interface, then one verdict line per interface
            (configured, ready or blocked, with the reason and the command that fixes it).
            --json prints the same as one JSON document (schema ibkit.status/1, see README).

            Exit status: 0 done; 2 no InfiniBand devices, or IFACE|HCA not found.

            Examples:
              ibsetup status
              ibsetup status ib0
              ibsetup status mlx5_0 --json
              ibsetup status --sysfs-root /tmp/captured-host
            """
    )

    @Argument(help: "Show only this IPoIB interface (ib0) or RDMA device (mlx5_0).")
    var target: String?

    @Flag(help: "Print JSON (schema ibkit.status/1) instead of the table.")
    var json = false

    @Option(help: "Read sysfs (and /proc) under this directory instead of /.")
    var sysfsRoot: String = "/"

    func run() throws {
        try finishReport(statusReport(root: FilePath(sysfsRoot), filter: target, json: json))
    }
}

/// Prints a report command's outcome and exits with ibsetup's status for it.
func finishReport(_ outcome: CommandOutcome) throws {
    print(outcome.output, terminator: "")
    for line in outcome.diagnostics { printReportError("Error: " + line) }
    switch outcome.ending {
    case .done: return
    case .checkFailed: throw ExitStatus.checkFailed
    case .error: throw ExitStatus.error
    }
}

func printReportError(_ line: String) {
    var stderr = ReportErrorStream()
    print(line, to: &stderr)
}

struct ReportErrorStream: TextOutputStream {
    mutating func write(_ string: String) {
        FileDescriptor.standardError.writeAll(string.utf8)
    }
}

extension FileDescriptor {
    fileprivate func writeAll(_ bytes: String.UTF8View) {
        _ = try? writeAll(Array(bytes))
    }
}

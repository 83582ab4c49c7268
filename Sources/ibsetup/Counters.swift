import ArgumentParser
import CommandSupport
import Fabric
import SystemPackage

struct Counters: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "counters",
        abstract: "Show the port counters (errors, discards, waits, data), or what moved in each interval.",
        // The synopsis without every option, which would not fit in 80 columns.
        usage: "ibsetup counters [<options>] [<port>]",
        discussion: """
            Reads ports/N/counters (the HCA's standard port counters, as perfquery
            shows them, without root tools) and ports/N/hw_counters (the driver's).
            With --interval every error counter that moves is marked ERROR: symbol
            errors, link downed, receive errors, transmit discards and the driver's
            own error counters. port_xmit_data and port_rcv_data count 4-byte words;
            the rates are in Gbit/s.

            Exit status: 0 read (with --interval: no error counter moved); 1 an
            error counter moved; 2 no such device or port, or bad input.

            Examples:
              ibsetup counters
              ibsetup counters mlx5_0:1
              ibsetup counters --interval 5 --count 12
              ibsetup counters mlx5_0 --interval 1 --format json
            """
    )

    @Argument(help: ArgumentHelp("DEV or DEV:PORT (default: every port).", valueName: "port"),
              completion: Completions.rdmaDevices)
    var target: String?

    @Option(help: "Seconds between reads; then what moved is shown for each interval.",
            transform: RangedValue.seconds(0.1...3600))
    var interval: Double?

    @Option(help: "Intervals to show with --interval (default: until stopped).",
            transform: RangedValue.integer(1...1_000_000))
    var count: Int?

    @OptionGroup var output: ReportFormatOptions

    @OptionGroup var sysfs: SysfsRootOption

    func validate() throws {
        if let target, CounterTarget(parsing: target) == nil {
            throw ValidationError("'\(target)': give a device or device:port, e.g. mlx5_0 or mlx5_0:1")
        }
        if count != nil && interval == nil { throw ValidationError("--count needs --interval") }
    }

    func run() throws {
        let root = FilePath(sysfs.sysfsRoot ?? "/")
        let port = target.flatMap(CounterTarget.init(parsing:)) ?? CounterTarget()
        guard let interval else {
            return try finishReport(counterSnapshot(root: root, target: port, json: output.isJSON))
        }
        try finishReport(watchCounters(root: root, target: port, interval: interval, count: count, json: output.isJSON,
                                       output: StandardOutput.write))
    }
}

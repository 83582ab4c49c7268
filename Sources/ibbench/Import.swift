import ArgumentParser
import BenchCore
import CommandSupport
import PeerTools

extension PeerTool: ExpressibleByArgument {}

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Turn a saved output of netperf, iperf3, qperf or perftest into ibkit results.",
        discussion: """
            Reads the tool's stdout as saved (a file, or - for stdin) and reports it
            like any ibbench run: netperf classic tables and omni -o/-O/-k output,
            iperf3 text and --json, qperf (also -v and sweeps), perftest text and its
            --out_json file. Units become bit/s, bytes and ns (round trip; one-way
            values are labelled as such). Output that cannot be parsed is reported as a
            failed test naming the line and what was expected (exit 2); a run the tool
            itself reported as failed exits 1.

            Examples:
              ibbench import netperf netperf-tcp_rr.txt
              iperf3 -c 10.0.0.2 --json | ibbench import iperf3 - --format json
              ibbench import qperf qperf.log --format subunit > qperf.subunit
            """
    )

    @Argument(help: "The tool that wrote the output: netperf, iperf3, qperf or perftest.")
    var tool: PeerTool

    @Argument(help: "The saved output; - or nothing reads stdin.")
    var file: String?

    @OptionGroup var output: OutputFormatOption

    @Flag(help: "The perftest --out_json file is from a --report_gbits run (its bandwidth is Gbit/s, not MiB/s).")
    var gbits = false

    func run() throws {
        try Outcome.of {
            let status = try ImportRun.run(tool, path: file, gbits: gbits, reporter: output.format.makeReporter(header: RunHeader(tool: "ibbench", peer: nil)),
                                           diagnostics: StandardError.error)
            return Outcome(ExitStatus(rawValue: status) ?? .error)
        }.end()
    }
}

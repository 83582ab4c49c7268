import ArgumentParser
import BenchCore
import CommandSupport
import CompareEngines
import Glibc
import PeerTools
import RDMABench
import TCPBench

extension Measurement: ExpressibleByArgument {}

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Measure with ibkit and the peer tools side by side, round by round, and report ratios.",
        // The synopsis without every option, which would not fit in 80 columns.
        usage: "ibbench compare <peer> [<options>]",
        discussion: """
            Runs each measurement (tcp_stream, tcp_rr; rdma_write_bw and rdma_send_lat
            where the host has an RDMA device) with ibkit's own engines (`ibbench serve`
            must run on PEER) and every tool found on PATH: netperf (omni -k selectors,
            netserver must run on PEER), iperf3 --json (iperf3 -s on PEER), qperf -v
            (qperf on PEER), perftest -R (ib_write_bw / ib_send_lat server on PEER).
            Rounds interleave the tools. A tool that is missing is reported as skipped
            with how to install it; it fails the run only when no tool ran at all
            (exit 2). The final table gives each
            tool's median, min..max and its ratio to netperf (or to the first tool with
            results). JSON, CSV and subunit give each run as one test (route code =
            tool) and the summaries as compare.* tests. --sweep alone measures at 64 B
            to 64 KiB in steps of four, --sweep MIN:MAX at every power of two between.
            Exit status: 0 all runs passed or were skipped; 1 a run failed; 2 error, or
            every tool skipped; 64 usage.

            Examples:
              ibbench compare 10.0.0.2
              ibbench compare 10.0.0.2 --rounds 5 -t 5 --tools netperf,iperf3
              ibbench compare 10.0.0.2 --format subunit | subunit2junitxml > results.xml
              ibbench compare 10.0.0.2 --sweep --plot sweep.svg --measurement tcp_stream
            """
    )

    @Argument(help: "The peer: host name or address where the servers run.")
    var peer: String

    @Option(help: "Rounds; each round runs every tool once per measurement.", transform: RangedValue.integer(1...1000))
    var rounds = 3

    @OptionGroup var duration: DurationOption

    @Option(name: .customLong("measurement"),
            help: "A measurement to take (repeatable): tcp_stream, tcp_rr, rdma_write_bw, rdma_send_lat.")
    var measurements: [Measurement] = []

    @Option(help: "Only these tools, comma separated (ibbench, netperf, iperf3, qperf, perftest).")
    var tools: String?

    @OptionGroup var sweep: SweepOption

    @Option(help: "With --sweep: write an SVG chart (metric vs message size, one line per tool) to this file.")
    var plot: String?

    @OptionGroup var output: OutputFormatOption

    @OptionGroup var server: ServerPortOption

    @Option(help: "netserver's control port on the peer, when not 12865.", transform: RangedValue.integer(1...65535))
    var netperfPort: Int?

    @Option(help: "The iperf3 server's port on the peer, when not 5201.", transform: RangedValue.integer(1...65535))
    var iperf3Port: Int?

    @Option(help: "The qperf server's listen port on the peer, when not 19765.", transform: RangedValue.integer(1...65535))
    var qperfPort: Int?

    func validate() throws {
        if plot != nil, !sweep.isSweeping { throw ValidationError("--plot needs --sweep (the chart is metric vs message size)") }
        if let tools {
            // A name that matches nothing would run nothing and pass.
            let known = ["ibbench"] + PeerTool.allCases.map(\.rawValue)
            let names = tools.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            if let unknown = names.first(where: { !known.contains($0) }) {
                throw ValidationError("--tools: '\(unknown)' is not one of \(known.joined(separator: ", "))")
            }
        }
    }

    /// The sizes of the sweep: MIN:MAX in powers of two, or compare's own steps of four.
    private var sizes: [Int] {
        if let range = sweep.sweep?.range { return RDMAOptions.sweep(from: range.lowerBound, to: range.upperBound) }
        return sweep.sweepDefault ? CompareRun.sweepSizes : []
    }

    func run() throws {
        var ports: [PeerTool: Int] = [:]
        ports[.netperf] = netperfPort
        ports[.iperf3] = iperf3Port
        ports[.qperf] = qperfPort
        let run = CompareRun(peer: peer, rounds: rounds, duration: duration.seconds ?? 10, measurements: measurements,
                             tools: tools?.split(separator: ",").map(String.init) ?? [],
                             sizes: sizes, plotPath: plot, format: output.format, ports: ports)
        let progress: (@Sendable (String) -> Void)? = isatty(2) == 1 ? StandardError.write : nil
        try Outcome.of {
            let engines = RDMAEngineRunner.engines(tcpPort: server.port, rdmaPort: server.port)
            let status = try run.run(engines: engines, progress: progress)
            if status == CompareRun.nothingMeasured {
                return Outcome(.error, message: "compare: no tool measured anything, each was skipped (the reasons are in the results); "
                                              + "start the servers on \(peer), or pick --tools and --measurement that can run here")
            }
            return Outcome(ExitStatus(rawValue: status) ?? .error)
        }.end()
    }
}

import ArgumentParser
import CommandSupport

@main
struct IBBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ibbench",
        abstract: "Measure TCP/IPoIB and RDMA throughput and latency, side by side with netperf; results as subunit v2.",
        discussion: """
            Examples:
              ibbench serve
              ibbench tcp --loopback
              ibbench tcp 10.0.0.2 rr --format subunit | subunit2junitxml > results.xml
              ibbench rdma 10.0.0.2 write bw --sweep
              ibbench mesh --hosts node1,node2,node3 --rank 0
              ibbench report run.subunit
            """,
        version: "0.1.0",
        subcommands: [Serve.self, TCP.self, UDP.self, RDMA.self, Compare.self, MeshCommand.self, Report.self, Import.self]
    )

    static func main() {
        runAsTool(BareSweep.rewrite(Array(CommandLine.arguments.dropFirst())))
    }
}

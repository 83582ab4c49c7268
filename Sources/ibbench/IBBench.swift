import ArgumentParser
import Foundation

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
              ibbench report run.subunit
            """,
        version: "0.1.0",
        subcommands: [Serve.self, TCP.self, RDMA.self, Compare.self, Report.self, Import.self]
    )

    /// ArgumentParser exits 1 for an error it does not know, but 1 means "the
    /// check said no" here: any such error is an error (2), said in one line.
    static func main() {
        do {
            var command = try parseAsRoot(BareSweep.rewrite(Array(CommandLine.arguments.dropFirst())))
            try command.run()
        } catch let status as ExitCode {
            exit(withError: status)
        } catch {
            if exitCode(for: error) == .failure {
                FileHandle.standardError.write(Data("Error: \(message(for: error))\n".utf8))
                exit(withError: ExitStatus.error)
            }
            exit(withError: error)
        }
    }
}

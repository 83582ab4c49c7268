import ArgumentParser
import BenchCore
import CommandSupport

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Show the tests in subunit streams (v2, or v1 of older runners): one row each.",
        // The synopsis without every option, which would not fit in 80 columns.
        usage: "ibbench report [<options>] [<files> ...]",
        discussion: """
            Reads each FILE (or standard input, `-`) as it arrives and prints one row
            per test: id, status, duration, route code, and the measurements ibkit
            attached (result.json). A table by default; --format json writes one JSON
            object per line and csv one row per test as each test finishes; subunit
            re-emits the merged stream. With several files, each keeps its origin as the
            first part of the route code (route 0 = the first file). Each input may be
            subunit v2 or v1 (the text protocol of older runners, told apart by its first
            bytes); v1 is converted as python-subunit's subunit-1to2 converts it, so
            --format subunit turns a v1 stream into v2. Text between packets or v1
            directives is ignored; corrupt packets are reported on stderr and skipped.
            Exit status: 0 every test passed, 1 a test failed, passed unexpectedly or
            never finished, 2 a file could not be read or had corrupt packets (what
            could be decoded is still shown), 64 usage.

            Examples:
              ibbench report run.subunit
              ibbench tcp --loopback --format subunit | ibbench report -
              ibbench report node1.subunit node2.subunit --format csv > results.csv
              stestr last --subunit | ibbench report --format json
            """
    )

    @Argument(help: "Subunit v2 or v1 files; `-` or nothing reads standard input.")
    var files: [String] = []

    @OptionGroup var output: OutputFormatOption

    @Option(help: "Give up when an input stays silent this many seconds (default: wait).",
            transform: RangedValue.seconds(0.001...86_400))
    var idleTimeout: Double?

    func validate() throws {
        // Two readers of one standard input would each get part of it.
        if files.filter({ $0 == "-" }).count > 1 { throw ValidationError("standard input (-) given more than once; name it once") }
    }

    func run() throws {
        let request = StreamReport.Request(inputs: files, format: output.format,
                                           idleTimeout: idleTimeout.map { .milliseconds(Int64($0 * 1000)) })
        switch StreamReport.run(request, diagnostics: StandardError.error) {
        case .passed: return
        case .testsFailed: try Outcome.failed.end()
        case .damaged: try Outcome(.error).end()
        }
    }
}

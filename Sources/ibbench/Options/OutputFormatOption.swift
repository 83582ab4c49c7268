import ArgumentParser
import BenchCore

/// `--format`: how results are written to stdout.
struct OutputFormatOption: ParsableArguments {
    @Option(help: "Output format: table, json (one object per line), csv or subunit (v2).")
    var format: OutputFormat = .table
}

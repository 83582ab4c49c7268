import ArgumentParser

/// How `status`, `sm`, `up` and `down` print their result.
enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}

/// `--format table|json`, and `--json`, kept as its alias.
struct ReportFormatOptions: ParsableArguments {
    @Option(help: "Output format: table (for people) or json (one JSON document).")
    var format: ReportFormat?

    @Flag(help: "The same as --format json.")
    var json = false

    func validate() throws {
        if json, format == .table { throw ValidationError("--json and --format table disagree; give one of them") }
    }

    var isJSON: Bool { json || format == .json }
}

import ArgumentParser

/// `--sweep [MIN:MAX]`: run every power of two from MIN to MAX, or the command's own range.
struct SweepOption: ParsableArguments {
    /// The subcommands that declare it, whose bare `--sweep` `BareSweep` rewrites.
    static let commands: Set<String> = ["tcp", "rdma", "compare"]

    @Option(help: ArgumentHelp(
        "Sweep message sizes, powers of two from MIN to MAX, keeping each size's result; --sweep alone: the default range.",
        valueName: "MIN:MAX"),
        transform: SizeRange.parse)
    var sweep: SizeRange?

    /// What a bare `--sweep` becomes (see `BareSweep`).
    @Flag(help: ArgumentHelp("Sweep the default range.", visibility: .private))
    var sweepDefault = false

    func validate() throws {
        if sweep != nil && sweepDefault { throw ValidationError("give --sweep once, alone or with MIN:MAX") }
    }

    var isSweeping: Bool { sweep != nil || sweepDefault }

    /// The sizes asked for: MIN:MAX, the default range for a bare `--sweep`, nil for no sweep.
    func range(default defaultRange: ClosedRange<Int>) -> ClosedRange<Int>? {
        sweep?.range ?? (sweepDefault ? defaultRange : nil)
    }
}

/// `--sweep` takes its MIN:MAX optionally. ArgumentParser has no options with optional
/// values, so before parsing, a bare `--sweep` (last, or followed by a word that is not
/// MIN:MAX) of a subcommand with `SweepOption` becomes `--sweep-default`.
enum BareSweep {
    static func rewrite(_ arguments: [String]) -> [String] {
        guard let command = arguments.first, SweepOption.commands.contains(command) else { return arguments }
        var out = arguments
        for i in out.indices.dropFirst() {
            if out[i] == "--" { break }
            guard out[i] == "--sweep" else { continue }
            let next = i + 1 < out.count ? out[i + 1] : ""
            // A word with a colon is meant as MIN:MAX; if it is a bad one, the parser says so.
            if next.hasPrefix("-") || !next.contains(":") { out[i] = "--sweep-default" }
        }
        return out
    }
}

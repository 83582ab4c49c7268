import ArgumentParser
import BenchCore
import CommandSupport

/// `--interval`: interim reports while a test runs, as iperf3's `-i`.
struct IntervalOption: ParsableArguments {
    @Option(help: "Report interim results every so many seconds.",
            transform: RangedValue.seconds(IntervalReporter.everyRange))
    var interval: Double?
}

/// `--repeat`: the same test N times, then their mean and spread.
struct RepeatOption: ParsableArguments {
    @Option(name: .customLong("repeat"), help: "Run each test N times and report mean and 95 % confidence interval.",
            transform: RangedValue.integer(RepeatedRun.countRange))
    var count = 1
}

import ArgumentParser
import CommandSupport
import TCPBench

/// `-t/--duration`: how long each test runs. Optional, because rdma counts messages
/// (`--iters`) when it is not given; tcp and compare run 10 seconds.
struct DurationOption: ParsableArguments {
    @Option(name: [.customShort("t"), .customLong("duration")],
            help: "Seconds per test, per size in a sweep (default 10; rdma counts --iters instead).",
            transform: RangedValue.seconds(TCPTestOptions.durationRange))
    var seconds: Double?
}

import ArgumentParser
import BenchCore
import Fabric
import RunCounters
import SystemPackage

/// `--counters`: attach the InfiniBand port counters that moved during each test (tcp, udp, rdma).
struct CountersOption: ParsableArguments {
    @Option(help: ArgumentHelp("Attach the port counters that moved in each test: all, DEV or DEV:PORT.",
                               valueName: "port"))
    var counters: String?

    @Option(help: ArgumentHelp("Read sysfs under DIR instead of /: a captured tree.", valueName: "dir"))
    var sysfsRoot: String?

    /// The ports `--counters` names; nil for text that names none.
    private var target: CounterTarget? {
        counters == "all" ? CounterTarget() : counters.flatMap(CounterTarget.init(parsing:))
    }

    func validate() throws {
        if let counters, target == nil {
            throw ValidationError("--counters \(counters): give all, a device such as mlx5_0, or DEV:PORT such as mlx5_0:1")
        }
    }

    /// Runs `body` with `reporter`, counting the ports asked for when there are any; a result
    /// an error counter failed makes the run's verdict a miss (exit 1).
    func run(reporting reporter: any Reporter, _ body: (any Reporter) throws -> RunVerdict) throws -> RunVerdict {
        guard let counters, let target else { return try body(reporter) }
        let counting: CounterAttachingReporter
        do {
            counting = try CounterAttachingReporter(wrapping: reporter, root: FilePath(sysfsRoot ?? "/"), target: target)
        } catch {
            throw BenchError(.local, subject: "--counters \(counters)", what: error.description, next: "or drop --counters")
        }
        let verdict = try body(counting)
        return counting.failedResults ? verdict.worse(.thresholdMissed) : verdict
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// CPU time consumed, user and system, in nanoseconds (getrusage(2)).
public struct CPUTime: Sendable, Equatable {
    public var userNanos: UInt64
    public var systemNanos: UInt64
    public init(userNanos: UInt64 = 0, systemNanos: UInt64 = 0) {
        self.userNanos = userNanos
        self.systemNanos = systemNanos
    }
    public var totalNanos: UInt64 { userNanos &+ systemNanos }

    /// The calling thread's CPU time so far (`RUSAGE_THREAD`).
    public static func thread() -> CPUTime { read(1) }   // RUSAGE_THREAD (GNU, not imported)
    /// The whole process's CPU time so far (`RUSAGE_SELF`).
    public static func process() -> CPUTime { read(0) }   // RUSAGE_SELF

    private static func read(_ who: Int32) -> CPUTime {
        var ru = rusage()
        _ = getrusage(who, &ru)   // cannot fail for SELF/THREAD with valid storage
        func ns(_ t: timeval) -> UInt64 { UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_usec) * 1000 }
        return CPUTime(userNanos: ns(ru.ru_utime), systemNanos: ns(ru.ru_stime))
    }

    public static func - (a: CPUTime, b: CPUTime) -> CPUTime {
        CPUTime(userNanos: a.userNanos &- b.userNanos, systemNanos: a.systemNanos &- b.systemNanos)
    }
    public static func + (a: CPUTime, b: CPUTime) -> CPUTime {
        CPUTime(userNanos: a.userNanos &+ b.userNanos, systemNanos: a.systemNanos &+ b.systemNanos)
    }

    /// What a run's CPU time is divided by, as netperf does: bulk runs per KB moved,
    /// request/response runs per transaction.
    public enum Work: Sendable {
        case bytes(UInt64)
        case transactions(UInt64)
    }

    /// Metrics for one side (`local` or `remote`): user and system time as % of one core over
    /// `seconds`, and service demand as netperf defines it: µs of CPU per KB (2^10 bytes)
    /// moved (`service_demand_SIDE`), or CPU time per transaction
    /// (`service_demand_per_transaction_SIDE`; netperf's µs/Tran).
    public func metrics(side: String, seconds: Double, work: Work) -> [Metric] {
        guard seconds > 0 else { return [] }
        var m = [
            Metric("cpu_\(side)_user", Double(userNanos) / 1e9 / seconds * 100, .percent),
            Metric("cpu_\(side)_system", Double(systemNanos) / 1e9 / seconds * 100, .percent),
        ]
        switch work {
        case .bytes(let n) where n > 0:
            m.append(Metric("service_demand_\(side)", Double(totalNanos) / 1e3 / (Double(n) / 1024), .microsecondsPerKB))
        case .transactions(let n) where n > 0:
            m.append(Metric("service_demand_per_transaction_\(side)", Double(totalNanos) / Double(n), .nanoseconds))
        default:
            break
        }
        return m
    }
}

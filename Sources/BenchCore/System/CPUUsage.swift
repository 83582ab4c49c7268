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

    /// Metrics for one side (`local` or `remote`): user and system time as % of one core over
    /// `seconds`, and service demand in µs of CPU per KB (2^10 bytes) moved, as netperf defines it.
    public func metrics(side: String, seconds: Double, bytesMoved: UInt64) -> [Metric] {
        guard seconds > 0 else { return [] }
        var m = [
            Metric("cpu_\(side)_user", Double(userNanos) / 1e9 / seconds * 100, .percent),
            Metric("cpu_\(side)_system", Double(systemNanos) / 1e9 / seconds * 100, .percent),
        ]
        if bytesMoved > 0 {
            m.append(Metric("service_demand_\(side)", Double(totalNanos) / 1e3 / (Double(bytesMoved) / 1024),
                            .microsecondsPerKB))
        }
        return m
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// The benchmark clock: `CLOCK_MONOTONIC`, in nanoseconds. Never goes back,
/// unaffected by NTP steps; a vDSO call, cheap enough for every loop turn.
@inline(__always)
public func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

/// Wall-clock time, seconds since the Unix epoch (for subunit timestamps only).
public func wallClockSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// A point in `monotonicNanos()` time by which a wait must end.
public struct Deadline: Sendable, Comparable {
    public let nanos: UInt64
    public init(nanos: UInt64) { self.nanos = nanos }
    /// `seconds` from now; NaN counts as 0 and anything past a century as a century, so no
    /// caller's arithmetic can trap on the conversion.
    public static func after(seconds: Double) -> Deadline {
        let clamped = seconds > 0 ? min(seconds, 3.2e9) : 0
        return Deadline(nanos: monotonicNanos() &+ UInt64(clamped * 1e9))
    }
    public var hasPassed: Bool { monotonicNanos() >= nanos }
    /// Milliseconds left, for poll(2); 0 once passed.
    public var remainingMilliseconds: Int32 {
        let now = monotonicNanos()
        guard nanos > now else { return 0 }
        return Int32(min(UInt64(Int32.max), (nanos - now + 999_999) / 1_000_000))
    }
    public static func < (a: Deadline, b: Deadline) -> Bool { a.nanos < b.nanos }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An absolute UTC instant as subunit v2 carries it: POSIX seconds (unsigned
/// 32-bit on the wire, so 1970 to 2106) and nanoseconds within that second.
///
/// Values are kept exactly as decoded; python-subunit rounds to microseconds,
/// ibkit does not.
public struct Timestamp: Sendable, Hashable, Comparable {
    public var seconds: UInt32
    public var nanoseconds: UInt32

    public init(seconds: UInt32, nanoseconds: UInt32 = 0) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    /// From seconds since the Unix epoch; nil outside what the wire can carry
    /// (before 1970, from 2106 on, or not a number).
    public init?(unixSeconds: Double) {
        guard unixSeconds.isFinite, unixSeconds >= 0 else { return nil }
        let whole = unixSeconds.rounded(.down)
        guard whole < 4_294_967_296 else { return nil }
        var ns = ((unixSeconds - whole) * 1e9).rounded()
        var s = whole
        if ns >= 1e9 { ns -= 1e9; s += 1 }
        guard s < 4_294_967_296 else { return nil }
        self.init(seconds: UInt32(s), nanoseconds: UInt32(ns))
    }

    /// The current wall-clock time (`CLOCK_REALTIME`).
    public static func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(seconds: UInt32(truncatingIfNeeded: ts.tv_sec), nanoseconds: UInt32(ts.tv_nsec))
    }

    /// Seconds since the Unix epoch as a Double (nanosecond detail is lost past ~2^53 ns).
    public var unixSeconds: Double { Double(seconds) + Double(nanoseconds) / 1e9 }

    /// Signed difference `self - other` in nanoseconds.
    public func nanoseconds(since other: Timestamp) -> Int64 {
        (Int64(seconds) - Int64(other.seconds)) * 1_000_000_000 + (Int64(nanoseconds) - Int64(other.nanoseconds))
    }

    public static func < (a: Timestamp, b: Timestamp) -> Bool {
        (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds)
    }
}

extension Timestamp: CustomStringConvertible {
    /// ISO 8601 UTC with nine fraction digits: `2024-01-02T03:04:05.000001000Z`.
    public var description: String {
        var t = time_t(seconds) + time_t(nanoseconds / 1_000_000_000)
        var parts = tm()
        gmtime_r(&t, &parts)
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))"
            + "T\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2))"
            + ".\(pad(Int(nanoseconds % 1_000_000_000), 9))Z"
    }
}

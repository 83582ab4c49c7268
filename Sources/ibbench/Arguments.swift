import ArgumentParser
import BenchCore
import CommandSupport
import TCPBench
import UDPBench

extension TCPMode: ExpressibleByArgument {}
extension UDPMode: ExpressibleByArgument {}
extension OutputFormat: ExpressibleByArgument {}

/// A byte count with binary suffixes: `64K` = 65,536 bytes, `1M` = 2^20.
struct ByteCount: Equatable, Sendable, CustomStringConvertible {
    let bytes: Int
    init(bytes: Int) { self.bytes = bytes }

    /// Parses a count within `range`; anything else (0, -1, 1e300, overflow) names the range,
    /// and `note` (the tighter limits of some engines, when the option is shared).
    static func parser(_ range: ClosedRange<Int>, note: String? = nil) -> @Sendable (String) throws -> ByteCount {
        { text in
            guard let b = Units.parseBytes(text), b <= UInt64(Int.max), range.contains(Int(b)) else {
                throw ValueOutOfRange(expected: "\(written(range.lowerBound)) to \(written(range.upperBound)) bytes"
                                      + (note.map { ", \($0)" } ?? "") + " (64K = 65,536)")
            }
            return ByteCount(bytes: Int(b))
        }
    }

    /// `64K`, `1G`: the largest binary suffix that divides the count.
    static func written(_ bytes: Int) -> String {
        for (shift, suffix) in [(30, "G"), (20, "M"), (10, "K")] where bytes >= 1 << shift && bytes % (1 << shift) == 0 {
            return "\(bytes >> shift)\(suffix)"
        }
        return String(bytes)
    }

    var description: String { Self.written(bytes) }
}

/// `MIN:MAX` byte sizes for --sweep.
struct SizeRange: Equatable, Sendable {
    let range: ClosedRange<Int>

    /// The largest size any engine takes (RDMA: one slot of the registered buffer); each
    /// engine checks its own limit too (TCP: 64M).
    static let limit = 1...(1 << 30)

    static let parse: @Sendable (String) throws -> SizeRange = { text in
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        let bounds = parts.map { Units.parseBytes(String($0)) }
        guard parts.count == 2, let lo = bounds[0], let hi = bounds[1], lo >= 1, lo <= hi, hi <= UInt64(limit.upperBound)
        else { throw ValueOutOfRange(expected: "MIN:MAX with 1 <= MIN <= MAX <= 1G (tcp: 64M), e.g. 4K:1M") }
        return SizeRange(range: Int(lo)...Int(hi))
    }
}

/// `9Gbit`, `900Mbit`: bit/s, decimal prefixes.
struct Rate: Sendable {
    let bitsPerSecond: Double

    static let parse: @Sendable (String) throws -> Rate = { text in
        guard let r = Units.parseRate(text), r.isFinite, r > 0 else {
            throw ValueOutOfRange(expected: "a rate above 0 such as 9Gbit or 900Mbit (decimal: 1G = 10^9 bit/s)")
        }
        return Rate(bitsPerSecond: r)
    }

    /// `-b`: a rate, or 0 for no pacing; at most 10 Tbit/s.
    static let parseAllowingZero: @Sendable (String) throws -> Rate = { text in
        guard let r = Units.parseRate(text), r.isFinite, r >= 0, r <= 1e13 else {
            throw ValueOutOfRange(expected: "0 (unpaced) to 10T bit/s, such as 1G or 500M (decimal: 1G = 10^9 bit/s)")
        }
        return Rate(bitsPerSecond: r)
    }
}

/// `50us`, `1.5ms`: a round-trip latency.
struct Latency: Sendable {
    let nanoseconds: Double

    static let parse: @Sendable (String) throws -> Latency = { text in
        guard let n = Units.parseDuration(text), n.isFinite, n > 0 else {
            throw ValueOutOfRange(expected: "a latency above 0 such as 50us, 1.5ms or 2s")
        }
        return Latency(nanoseconds: n)
    }
}

/// `A` or `A,B`: client CPU, server CPU.
struct CPUPair: Sendable {
    let client: Int
    let server: Int?

    /// CPU numbers a glibc `cpu_set_t` holds.
    static let range = 0...1023

    static let parse: @Sendable (String) throws -> CPUPair = { text in
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
        guard (1...2).contains(parts.count), parts.allSatisfy({ $0.map(range.contains) == true }) else {
            throw ValueOutOfRange(expected: "A or A,B with CPU numbers 0 to 1023")
        }
        // The client's CPU is this host's; the server's is checked where it runs (here too,
        // with --loopback, by the in-process server).
        if let why = cpuUnavailable(parts[0]!) { throw ValueOutOfRange(expected: "a CPU of this host: \(why)") }
        return CPUPair(client: parts[0]!, server: parts.count == 2 ? parts[1] : nil)
    }
}

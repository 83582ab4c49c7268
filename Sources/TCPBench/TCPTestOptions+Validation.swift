import BenchCore

/// What a TCP test accepts. The command line checks the same ranges while it parses, so a
/// value out of range is a usage error before anything runs.
extension TCPTestOptions {
    public static let streamRange = 1...128
    /// Seconds: from 1 ms to a day.
    public static let durationRange: ClosedRange<Double> = 0.001...86_400
    public static let omitRange: ClosedRange<Double> = 0...3600
    /// Seconds waited for a silent peer past the duration: from 1 ms to an hour.
    public static let timeoutRange: ClosedRange<Double> = 0.001...3600
    public static let intervalRange = IntervalReporter.everyRange
    /// Write, request and response sizes, and the bounds of a sweep: 1 byte to 64 MiB.
    public static let messageSizeRange = 1...(64 << 20)
    /// Socket buffer sizes (SO_SNDBUF/SO_RCVBUF): 1 byte to 1 GiB.
    public static let windowRange = SocketOptions.windowRange
    /// TCP_MAXSEG: what Linux accepts (TCP_MIN_MSS to MAX_TCP_WINDOW).
    public static let mssRange = SocketOptions.mssRange

    /// Checks every range and the rules across options; the error names the option and what to do.
    public func validated() throws(BenchError) -> TCPTestOptions {
        func bad(_ option: String, _ what: String, _ next: String) -> BenchError {
            BenchError(.usage, subject: option, what: what, next: next)
        }
        let rrLike = mode == .rr || mode == .crr
        if !Self.streamRange.contains(streams) { throw bad("-P", "\(streams) streams is out of range", "give 1 to 128") }
        if !Self.durationRange.contains(duration) {
            throw bad("-t", "\(duration) seconds is out of range", "give 0.001 to 86400 seconds")
        }
        if !Self.omitRange.contains(omit) { throw bad("--omit", "\(omit) seconds is out of range", "give 0 to 3600 seconds") }
        if !Self.timeoutRange.contains(timeout) {
            throw bad("--timeout", "\(timeout) seconds is out of range", "give 0.001 to 3600 seconds")
        }
        if let interval, !Self.intervalRange.contains(interval) {
            throw bad("--interval", "\(interval) seconds is out of range", "give 0.1 to 86400 seconds")
        }
        for (option, value) in [("--size", size), ("--request", request), ("--response", response)]
        where !Self.messageSizeRange.contains(value) {
            throw bad(option, "\(value) bytes is out of range", "give 1 byte to 64M")
        }
        if let window, !Self.windowRange.contains(window) {
            throw bad("--window", "\(window) bytes is out of range", "give 1 byte to 1G")
        }
        if let mss, !Self.mssRange.contains(mss) { throw bad("--mss", "\(mss) is out of range", "give 88 to 32767 bytes") }
        if let bytes, bytes == 0 { throw bad("--bytes", "0 bytes sends nothing", "give at least 1 byte, e.g. 1G") }
        // Rules across options name the test, then the option that does not fit it.
        if busyPoll && mode != .rr {
            throw bad("tcp \(mode.rawValue)", "--busy-poll applies to rr only", "drop --busy-poll or run rr")
        }
        if bytes != nil && rrLike {
            throw bad("tcp \(mode.rawValue)", "--bytes applies to stream, reverse and bidir", "use -t for rr and crr")
        }
        return self
    }
}

extension TCPRunRequest {
    public static let repeatRange = RepeatedRun.countRange

    /// Checks the test and the run around it (sweep, repetitions).
    public func validated() throws(BenchError) -> TCPRunRequest {
        _ = try test.validated()
        if !Self.repeatRange.contains(repeatCount) {
            throw BenchError(.usage, subject: "--repeat", what: "\(repeatCount) is out of range", next: "give 1 to 1000")
        }
        if let sweep, !(TCPTestOptions.messageSizeRange.contains(sweep.lowerBound)
                        && TCPTestOptions.messageSizeRange.contains(sweep.upperBound)) {
            throw BenchError(.usage, subject: "--sweep", what: "\(sweep.lowerBound):\(sweep.upperBound) is out of range",
                             next: "give MIN:MAX within 1 to 64M, e.g. --sweep 1K:4M")
        }
        if let sweep {
            var size = 1
            while size < sweep.lowerBound { size <<= 1 }
            if size > sweep.upperBound {
                throw BenchError(.usage, subject: "--sweep", what: "no power of two between \(sweep.lowerBound) and \(sweep.upperBound)",
                                 next: "give MIN <= MAX around a power of two, e.g. --sweep 2:8")
            }
        }
        return self
    }
}

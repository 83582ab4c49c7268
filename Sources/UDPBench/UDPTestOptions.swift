import BenchCore

/// Everything `ibbench udp` can be told about one test.
public struct UDPTestOptions: Sendable, Equatable {
    /// Datagram size of stream tests when none is given: iperf2's and many admins' habit,
    /// one datagram per 1500-byte Ethernet frame. IPoIB datagram mode carries 2044 (4K MTU:
    /// 4092); connected mode and loopback take up to 65507.
    public static let defaultSize = 1470
    /// A response not back within this long is a lost transaction (rr).
    public static let lossTimeout = 0.2

    public var peer: String
    public var port: UInt16 = ServerOptions.defaultPort
    public var mode: UDPMode = .stream
    public var streams = 1
    public var duration: Double = 10
    public var size = UDPTestOptions.defaultSize
    /// Target send rate per stream, bit/s; 0 sends as fast as the socket takes datagrams. The
    /// sender's: the server's in `reverse`, each end's in `bidir`.
    public var bitsPerSecond: Double = 0
    public var request = 1
    public var response = 1
    public var window: Int?
    /// Seconds either end waits for a silent peer past the test's duration before the run
    /// ends as lost, partial results kept.
    public var timeout: Double = 10
    /// Seconds between interim reports of what the client sent (stream) or completed (rr).
    public var interval: Double?
    public var clientCPU: Int?
    public var serverCPU: Int?
    public var device: String?
    public var bind: String?
    public var token: String?

    public init(peer: String) { self.peer = peer }

    public static let streamRange = 1...128
    public static let durationRange: ClosedRange<Double> = 0.001...86_400
    /// Stream datagrams: the 16-byte header to the largest IPv4 UDP payload.
    public static let datagramRange = UDPWire.headerSize...UDPWire.maxDatagram
    /// rr requests and responses: 1 byte to the largest IPv4 UDP payload.
    public static let messageRange = 1...UDPWire.maxDatagram
    /// bit/s: 0 (unpaced) to 10 Tbit/s.
    public static let rateRange: ClosedRange<Double> = 0...1e13
    public static let windowRange = SocketOptions.windowRange
    public static let timeoutRange: ClosedRange<Double> = 0.001...3600
    public static let intervalRange = IntervalReporter.everyRange

    /// The longest either end lets the test run, grace included.
    var timeLimit: Double { duration + timeout }

    var socketOptions: SocketOptions { SocketOptions(window: window, device: device, bindAddress: bind) }

    /// The plan option that gives the server its rate per stream when it sends (reverse, bidir).
    static let bitrateOption = "bitrate"

    func plan() -> TestPlan {
        var options = SocketOptions(window: window).planOptions
        if mode.serverSends && bitsPerSecond > 0 { options[Self.bitrateOption] = String(Int(bitsPerSecond)) }
        return TestPlan(kind: mode.kind, streams: streams, duration: duration, size: size, request: request,
                        response: response, timeLimit: timeLimit, serverCPU: serverCPU, options: options)
    }

    /// The rate a plan asks the server to send at, bit/s (0: unpaced), or nil when the
    /// plan's value is not one.
    static func planRate(_ plan: TestPlan) -> Double? {
        guard let text = plan.options[bitrateOption] else { return 0 }
        guard let rate = Double(text), rateRange.contains(rate) else { return nil }
        return rate
    }

    /// Checks every range and the rules across options; the error names the option and what to do.
    public func validated() throws(BenchError) -> UDPTestOptions {
        func bad(_ option: String, _ what: String, _ next: String) -> BenchError {
            BenchError(.usage, subject: option, what: what, next: next)
        }
        if !Self.streamRange.contains(streams) { throw bad("-P", "\(streams) streams is out of range", "give 1 to 128") }
        if !Self.durationRange.contains(duration) {
            throw bad("-t", "\(duration) seconds is out of range", "give 0.001 to 86400 seconds")
        }
        if !Self.datagramRange.contains(size) {
            throw bad("--size", "\(size) bytes is out of range", "give 16 to 65507 bytes per datagram")
        }
        for (option, value) in [("--request", request), ("--response", response)] where !Self.messageRange.contains(value) {
            throw bad(option, "\(value) bytes is out of range", "give 1 to 65507 bytes")
        }
        if !Self.rateRange.contains(bitsPerSecond) {
            throw bad("-b", "\(bitsPerSecond) bit/s is out of range", "give 0 (unpaced) to 10T, e.g. -b 1G")
        }
        if !Self.timeoutRange.contains(timeout) {
            throw bad("--timeout", "\(timeout) seconds is out of range", "give 0.001 to 3600 seconds")
        }
        if let interval, !Self.intervalRange.contains(interval) {
            throw bad("--interval", "\(interval) seconds is out of range", "give 0.1 to 86400 seconds")
        }
        if let window, !Self.windowRange.contains(window) {
            throw bad("--window", "\(window) bytes is out of range", "give 1 byte to 1G")
        }
        if mode == .rr && bitsPerSecond > 0 {
            throw bad("udp rr", "-b applies to stream, reverse and bidir only", "drop -b; rr sends one request at a time")
        }
        return self
    }

    /// What a server refuses in a client's plan: sizes no datagram can have.
    static func planProblem(_ plan: TestPlan) -> String? {
        if let p = plan.validationProblem() { return p }
        let mode = UDPMode(kind: plan.kind)
        if mode?.isStream == true && !datagramRange.contains(plan.size) {
            return "datagram size \(plan.size) outside \(datagramRange.lowerBound)…\(datagramRange.upperBound) bytes"
        }
        if mode?.serverSends == true && planRate(plan) == nil {
            return "bitrate \(plan.options[bitrateOption] ?? "") outside 0…1e13 bit/s"
        }
        if plan.kind == UDPMode.rr.kind && !(messageRange.contains(plan.request) && messageRange.contains(plan.response)) {
            return "request/response size outside 1…\(UDPWire.maxDatagram) bytes"
        }
        return nil
    }
}

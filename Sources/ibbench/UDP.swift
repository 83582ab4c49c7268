import ArgumentParser
import BenchCore
import CommandSupport
import UDPBench

struct UDP: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "udp",
        abstract: "Measure UDP datagram throughput, loss and jitter, or UDP request/response.",
        usage: "ibbench udp [<peer>] [<mode>] [<options>]",
        discussion: """
            Modes: stream (the client sends datagrams of --size bytes, 1470 unless
            given, at -b bit/s or as fast as the socket takes them when -b is 0,
            the default; the server counts what arrives, as iperf3 -u and netperf
            UDP_STREAM do), reverse (the same from the server to the client, as
            iperf3 -u -R), bidir (both at once, -P streams each way, as iperf3 -u
            --bidir; a result for each direction, then their sum) and rr (one
            request datagram, one response, like netperf UDP_RR). Throughput is
            what arrived, over the send time. Loss is what was sent and never
            arrived; out-of-order and jitter (RFC 3550, as iperf3 computes it) are
            the receiver's. In rr a response not back within 200 ms counts as a
            lost transaction, and one that comes later as late.
            --interval reports what the client sent (stream), received (reverse),
            both (bidir) or completed (rr) in each span, as iperf3's client does;
            loss and jitter come with the result.
            Each stream has its own UDP port on the server, joined by a probe
            datagram after the control connection, so firewalls must pass UDP to
            `ibbench serve`'s ephemeral ports. IPoIB datagram mode is where UDP
            matters: its MTU (2044, or 4092 with 4K) limits a datagram to one
            packet of 2016 bytes (4064) before IP fragments it.
            Exit status: 0 passed, 1 a threshold was missed, 2 error (peer lost,
            refused, busy; partial results are written), 64 usage.

            Examples:
              ibbench udp --loopback
              ibbench udp 10.0.0.2 -b 1G -t 30
              ibbench udp 10.0.0.2 reverse -b 1G -t 30
              ibbench udp 10.0.0.2 bidir -b 500M --expect-max-loss 0.1
              ibbench udp 10.0.0.2 --size 2016 -b 0 --expect-max-loss 0.1
              ibbench udp 10.0.0.2 rr --request 64 --response 64
              ibbench udp 10.0.0.2 -b 0 -t 30 --interval 1
              ibbench udp 10.0.0.2 rr --repeat 5 --format json
              ibbench udp 10.0.0.2 -P 4 -b 2G --format subunit > udp.subunit
            """
    )

    @Argument(help: "The host running `ibbench serve` (omit with --loopback).")
    var peer: String?

    @Argument(help: "stream, reverse, bidir or rr.")
    var mode: UDPMode = .stream

    @Flag(help: "Run a server in this process on 127.0.0.1 and test against it.")
    var loopback = false

    @OptionGroup var server: ServerPortOption

    @OptionGroup var duration: DurationOption

    @OptionGroup var streams: StreamsOption

    @OptionGroup var size: MessageSizeOption

    @Option(name: [.customShort("b"), .customLong("bitrate")],
            help: ArgumentHelp("Target rate per stream, at its sender, e.g. 1G or 500M bit/s; 0 unpaced.",
                               valueName: "rate"),
            transform: Rate.parseAllowingZero)
    var bitrate: Rate?

    @Option(help: "Request size of request/response tests.", transform: ByteCount.parser(SizeRange.limit))
    var request = ByteCount(bytes: 1)

    @Option(help: "Response size of request/response tests.", transform: ByteCount.parser(SizeRange.limit))
    var response = ByteCount(bytes: 1)

    @OptionGroup var window: WindowOption

    @Option(help: "Pin client threads to CPU A (and server threads to B): A[,B].", transform: CPUPair.parse)
    var cpu: CPUPair?

    @Option(help: TimeoutHelp.text, transform: RangedValue.seconds(UDPTestOptions.timeoutRange))
    var timeout: Double = 10

    @OptionGroup var interval: IntervalOption

    @OptionGroup var repeats: RepeatOption

    @OptionGroup var interface: InterfaceOptions

    @OptionGroup var token: TokenOptions

    @OptionGroup var thresholds: ThresholdOptions

    @Option(help: "Fail if datagram loss exceeds this percentage, e.g. 0.1.",
            transform: RangedValue.decimal(0...100, unit: "percent"))
    var expectMaxLoss: Double?

    @OptionGroup var counters: CountersOption

    @OptionGroup var output: OutputFormatOption

    func validate() throws {
        if peer == nil && !loopback { throw ValidationError("give the PEER running `ibbench serve`, or --loopback") }
        if peer?.isEmpty == true { throw ValidationError("PEER is empty; give the host running `ibbench serve`") }
        if let peer, loopback, UDPMode(rawValue: peer) == nil { throw ValidationError("--loopback takes no PEER") }
        let test: UDPTestOptions
        do { test = try runRequest().test.validated() } catch { throw ValidationError(error.description) }
        try thresholds.checkApplies(to: "udp \(test.mode.rawValue)", roundTrips: test.mode == .rr)
        if expectMaxLoss != nil, test.mode == .rr {
            throw ValidationError("--expect-max-loss: udp rr counts lost transactions, not datagram loss; use --expect-max-latency")
        }
    }

    /// The engine's request, without the secret (read from a file only when the run starts).
    private func runRequest() -> UDPRunRequest {
        var test = UDPTestOptions(peer: loopback ? "127.0.0.1" : peer ?? "")
        if loopback, let peer, let m = UDPMode(rawValue: peer) { test.mode = m } else { test.mode = mode }
        test.port = server.port
        test.streams = streams.parallel
        test.duration = duration.seconds ?? 10
        if let size = size.size { test.size = size.bytes }
        test.bitsPerSecond = bitrate?.bitsPerSecond ?? 0
        test.request = request.bytes
        test.response = response.bytes
        test.window = window.window?.bytes
        test.timeout = timeout
        test.interval = interval.interval
        test.clientCPU = cpu?.client
        test.serverCPU = cpu?.server
        test.device = interface.dev
        test.bind = interface.bind
        var request = UDPRunRequest(test: test)
        request.loopback = loopback
        request.repeatCount = repeats.count
        request.thresholds = thresholds.thresholds
        request.thresholds.maxLossPercent = expectMaxLoss
        return request
    }

    func run() throws {
        try Outcome.of {
            var request = runRequest()
            request.test.token = try token.secret()
            let header = RunHeader(tool: "ibbench", peer: request.test.peer)
            return Outcome(try counters.run(reporting: output.format.makeReporter(header: header)) {
                try UDPBenchmark.run(request, reporter: $0)
            })
        }.end()
    }
}

import ArgumentParser
import BenchCore
import CommandSupport
import TCPBench

struct TCP: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tcp",
        abstract: "Measure TCP throughput or request/response latency against `ibbench serve`.",
        discussion: """
            Modes: stream (client sends), reverse (server sends), bidir, rr
            (request/response, like netperf TCP_RR), crr (a new connection per
            transaction, like TCP_CRR). Throughput is in Gbit/s (10^9 bit/s), measured
            where the data arrives; latency is round-trip, from an HDR histogram. Sizes
            take K/M/G (binary: 64K = 65,536 bytes); --size is 1M unless given, and
            --sweep alone sweeps 1K:4M in bulk modes and 1:64K in rr and crr. --zerocopy
            sends with sendfile(2) from a cached file (no MSG_ZEROCOPY). rr waits for
            each message in a blocking recv, as netperf and qperf do; --busy-poll polls
            instead, as perftest does for RDMA, trading a busy core at each end for the
            wake-ups (pin the ends to different cores with --cpu A,B).
            Exit status: 0 passed, 1 a threshold was missed, 2 error (peer lost,
            refused, busy; partial results are written), 64 usage.

            Examples:
              ibbench tcp --loopback
              ibbench tcp 10.0.0.2
              ibbench tcp 10.0.0.2 reverse -P 4 -t 30 --interval 1
              ibbench tcp 10.0.0.2 rr --request 64 --response 64
              ibbench tcp 10.0.0.2 rr --expect-max-latency 50us
              ibbench tcp 10.0.0.2 rr --busy-poll --cpu 2,2
              ibbench tcp 10.0.0.2 --sweep 4K:1M --format subunit > tcp.subunit
              ibbench tcp 10.0.0.2 rr --sweep
              ibbench tcp 10.0.0.2 --repeat 5 --expect-min 9Gbit --format json
            """
    )

    @Argument(help: "The host running `ibbench serve` (omit with --loopback).")
    var peer: String?

    @Argument(help: "stream, reverse, bidir, rr or crr.")
    var mode: TCPMode = .stream

    @Flag(help: "Run a server in this process on 127.0.0.1 and test against it.")
    var loopback = false

    @OptionGroup var server: ServerPortOption

    @OptionGroup var duration: DurationOption

    @Option(help: "Send this many bytes per stream instead of for a duration (e.g. 1G).",
            transform: ByteCount.parser(1...Int.max))
    var bytes: ByteCount?

    @OptionGroup var streams: StreamsOption

    @OptionGroup var size: MessageSizeOption

    @OptionGroup var sweep: SweepOption

    @Option(help: "Request size of request/response tests.", transform: ByteCount.parser(TCPTestOptions.messageSizeRange))
    var request = ByteCount(bytes: 1)

    @Option(help: "Response size of request/response tests.", transform: ByteCount.parser(TCPTestOptions.messageSizeRange))
    var response = ByteCount(bytes: 1)

    @OptionGroup var tuning: TCPTuningOptions

    @Option(help: "Pin client threads to CPU A (and server threads to B): A[,B].", transform: CPUPair.parse)
    var cpu: CPUPair?

    @OptionGroup var interval: IntervalOption

    @Option(help: "Warm-up seconds left out of the results.", transform: RangedValue.seconds(TCPTestOptions.omitRange))
    var omit: Double = 0

    @Option(help: TimeoutHelp.text,
            transform: RangedValue.seconds(TCPTestOptions.timeoutRange))
    var timeout: Double = 10

    @OptionGroup var repeats: RepeatOption

    @OptionGroup var interface: InterfaceOptions

    @OptionGroup var token: TokenOptions

    @OptionGroup var thresholds: ThresholdOptions

    @OptionGroup var counters: CountersOption

    @OptionGroup var output: OutputFormatOption

    func validate() throws {
        if peer == nil && !loopback { throw ValidationError("give the PEER running `ibbench serve`, or --loopback") }
        if peer?.isEmpty == true { throw ValidationError("PEER is empty; give the host running `ibbench serve`") }
        if let peer, loopback, TCPMode(rawValue: peer) == nil {
            // `ibbench tcp --loopback rr`: the mode lands in PEER's place.
            throw ValidationError("--loopback takes no PEER")
        }
        do { _ = try runRequest().validated() } catch { throw ValidationError(error.description) }
        try thresholds.checkApplies(to: "tcp \(effectiveMode.rawValue)", roundTrips: effectiveMode == .rr || effectiveMode == .crr)
    }

    private var effectiveMode: TCPMode {
        if loopback, let peer, let m = TCPMode(rawValue: peer) { return m }
        return mode
    }

    /// The engine's request, without the secret (read from a file only when the run starts).
    private func runRequest() -> TCPRunRequest {
        var test = TCPTestOptions(peer: loopback ? "127.0.0.1" : peer ?? "")
        test.mode = effectiveMode
        test.port = server.port
        test.streams = streams.parallel
        test.duration = duration.seconds ?? 10
        test.bytes = bytes.map { UInt64($0.bytes) }
        if let size = size.size { test.size = size.bytes }
        test.request = request.bytes
        test.response = response.bytes
        test.tuning = tuning.tuning
        test.clientCPU = cpu?.client
        test.serverCPU = cpu?.server
        test.interval = interval.interval
        test.omit = omit
        test.timeout = timeout
        test.device = interface.dev
        test.bind = interface.bind
        var request = TCPRunRequest(test: test)
        request.loopback = loopback
        request.repeatCount = repeats.count
        request.sweep = sweep.range(default: TCPRunRequest.defaultSweep(for: test.mode))
        request.thresholds = thresholds.thresholds
        return request
    }

    func run() throws {
        try Outcome.of {
            var request = runRequest()
            request.test.token = try token.secret()
            let reporter = output.format.makeReporter(header: RunHeader(tool: "ibbench", peer: request.test.peer))
            return Outcome(try counters.run(reporting: reporter) { try TCPBenchmark.run(request, reporter: $0) })
        }.end()
    }
}

import ArgumentParser
import BenchCore
import TCPBench

struct TCP: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tcp",
        abstract: "Measure TCP throughput or request/response latency against `ibbench serve`.",
        discussion: """
            Modes: stream (client sends), reverse (server sends), bidir, rr (request/response,
            like netperf TCP_RR), crr (a new connection per transaction, like TCP_CRR).
            Throughput is in Gbit/s (10^9 bit/s), measured where the data arrives; latency is
            round-trip, from an HDR histogram. Sizes take K/M/G (binary: 64K = 65536 bytes).
            --zerocopy sends with sendfile(2) from a cached file (no MSG_ZEROCOPY).
            rr waits for each message in a blocking recv, as netperf and qperf do; --busy-poll
            polls instead, as perftest does for RDMA, trading a busy core at each end for the
            wake-ups (pin the ends to different cores with --cpu A,B).
            Exit status: 0 passed, 1 a threshold was missed, 2 error (peer lost, refused,
            busy; partial results are written), 64 usage.

            Examples:
              ibbench tcp --loopback
              ibbench tcp 10.0.0.2
              ibbench tcp 10.0.0.2 reverse -P 4 -t 30 --interval 1
              ibbench tcp 10.0.0.2 rr --request 64 --response 64 --expect-max-latency 50us
              ibbench tcp 10.0.0.2 rr --busy-poll --cpu 2,2
              ibbench tcp 10.0.0.2 stream --sweep 4K:1M --format subunit | subunit2junitxml > tcp.xml
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

    @Option(help: "Server port.")
    var port: UInt16 = ServerOptions.defaultPort

    @Option(name: [.customShort("t"), .customLong("duration")], help: "Seconds to send.")
    var duration: Double = 10

    @Option(help: "Send this many bytes per stream instead of for a duration (e.g. 1G).")
    var bytes: ByteCount?

    @Option(name: .customShort("P"), help: "Parallel streams, one thread each.")
    var parallel = 1

    @Option(help: "Write size for bulk modes (default 256K).")
    var size: ByteCount?

    @Option(help: ArgumentHelp(
        "Sweep message sizes in powers of two from MIN to MAX; --sweep alone: 1K:4M bulk, 1:64K rr/crr.",
        valueName: "MIN:MAX"))
    var sweep: SizeRange?

    /// What a bare `--sweep` becomes (see `BareSweep`).
    @Flag(help: ArgumentHelp("Sweep the default range for the mode.", visibility: .hidden))
    var sweepDefault = false

    @Option(help: "Request size for rr/crr.")
    var request: ByteCount = ByteCount(bytes: 1)

    @Option(help: "Response size for rr/crr.")
    var response: ByteCount = ByteCount(bytes: 1)

    @Option(help: "Socket buffer size, both ends (SO_SNDBUF/SO_RCVBUF).")
    var window: ByteCount?

    @Flag(help: "Set TCP_NODELAY (on by default for rr and crr).")
    var nodelay = false

    @Option(help: "TCP maximum segment size (TCP_MAXSEG).")
    var mss: Int?

    @Option(help: "Congestion control algorithm, e.g. cubic or bbr.")
    var congestion: String?

    @Flag(help: "Send with sendfile(2) from a cached file instead of copying from a buffer.")
    var zerocopy = false

    @Flag(help: "rr: wait for each message without sleeping, at both ends (lower latency, a busy core each).")
    var busyPoll = false

    @Option(help: "Pin client threads to CPU A (and server threads to B): A[,B].")
    var cpu: CPUPair?

    @Option(help: "Report interim results every so many seconds.")
    var interval: Double?

    @Option(help: "Warm-up seconds left out of the results.")
    var omit: Double = 0

    @Option(help: "Run each test N times and report mean and 95 % confidence interval.")
    var `repeat` = 1

    @Option(help: "Bind to this network interface (SO_BINDTODEVICE), e.g. ib0.")
    var dev: String?

    @Option(help: "Local address to connect from.")
    var bind: String?

    @OptionGroup var token: ClientToken

    @Option(help: "Fail unless throughput reaches this rate, e.g. 9Gbit (10^9).")
    var expectMin: Rate?

    @Option(help: "Fail if p99 round-trip latency exceeds this, e.g. 50us.")
    var expectMaxLatency: Latency?

    @Option(help: "table, json (one object per line), csv or subunit (v2).")
    var format: OutputFormat = .table

    func validate() throws {
        if peer == nil && !loopback { throw ValidationError("give the PEER running `ibbench serve`, or --loopback") }
        if peer != nil && loopback {
            // `ibbench tcp --loopback rr`: the mode lands in PEER's place.
            if TCPMode(rawValue: peer!) == nil { throw ValidationError("--loopback takes no PEER") }
        }
        if parallel < 1 || parallel > 128 { throw ValidationError("-P must be 1…128") }
        if !(duration > 0 && duration <= 86_400) { throw ValidationError("-t must be 0…86400 seconds") }
        if `repeat` < 1 || `repeat` > 1000 { throw ValidationError("--repeat must be 1…1000") }
        if omit < 0 || omit > 3600 { throw ValidationError("--omit must be 0…3600 seconds") }
        if let interval, !(interval >= 0.1) { throw ValidationError("--interval must be at least 0.1 seconds") }
        if let s = size?.bytes, s < 1 || s > 64 << 20 { throw ValidationError("--size must be 1…64M") }
        if request.bytes < 1 || request.bytes > 64 << 20 || response.bytes < 1 || response.bytes > 64 << 20 {
            throw ValidationError("--request and --response must be 1…64M")
        }
        if sweep != nil && sweepDefault { throw ValidationError("give --sweep once, alone or with MIN:MAX") }
        if busyPoll && effectiveMode != .rr { throw ValidationError("--busy-poll applies to rr") }
        if bytes != nil && (effectiveMode == .rr || effectiveMode == .crr) {
            throw ValidationError("--bytes applies to stream, reverse and bidir")
        }
    }

    private var effectiveMode: TCPMode {
        if loopback, let peer, let m = TCPMode(rawValue: peer) { return m }
        return mode
    }

    func run() throws { try reportingErrors(runTest) }

    private func runTest() throws {
        var test = TCPTestOptions(peer: loopback ? "127.0.0.1" : peer!)
        test.mode = effectiveMode
        test.port = port
        test.streams = parallel
        test.duration = duration
        test.bytes = bytes.map { UInt64($0.bytes) }
        if let size { test.size = size.bytes }
        test.request = request.bytes
        test.response = response.bytes
        test.window = window?.bytes
        test.noDelay = nodelay ? true : nil
        test.mss = mss
        test.congestion = congestion
        test.zeroCopy = zerocopy
        test.busyPoll = busyPoll
        test.clientCPU = cpu?.client
        test.serverCPU = cpu?.server
        test.interval = interval
        test.omit = omit
        test.device = dev
        test.bind = bind
        test.token = try token.secret()
        var request = TCPRunRequest(test: test)
        request.loopback = loopback
        request.repeatCount = `repeat`
        request.sweep = sweep?.range ?? (sweepDefault ? TCPRunRequest.defaultSweep(for: test.mode) : nil)
        request.thresholds = Thresholds(minThroughput: expectMin?.bitsPerSecond, maxLatencyP99: expectMaxLatency?.nanoseconds)
        let verdict = try TCPBenchmark.run(request, reporter: format.makeReporter())
        switch verdict {
        case .passed: return
        case .thresholdMissed: throw ExitStatus.testFailed
        case .error(let text): throw RunFailed(message: text)
        }
    }
}

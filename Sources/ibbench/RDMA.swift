import ArgumentParser
import BenchCore
import CommandSupport
import RDMABench

struct RDMA: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rdma",
        abstract: "Measure RDMA write/read/send bandwidth or latency against ibbench serve, over rdma_cm RC queue pairs.",
        discussion: """
            The peer is an IP address (IPoIB on InfiniBand, the netdev's address on
            RoCE): rdma_cm resolves the device, port and GID from it; --ib-dev and
            --ib-port insist on one HCA and port. Bandwidth is reported in Gbit/s (10^9
            bit/s) and MiB/s (2^20 bytes/s) with the message rate in Mpps; latency as
            round trip and, for send and write ping-pongs, one way (half the round
            trip), from an HDR histogram. Sizes take K/M/G suffixes in binary multiples
            (64K = 65,536 bytes); --size is 64K unless given, and --sweep alone sweeps
            2:8M. Without -t each size runs --iters messages.

            Examples:
              ibbench rdma 10.0.0.2 write bw --size 64K -t 5
              ibbench rdma 10.0.0.2 send lat --size 2 --iters 10000
              ibbench rdma 10.0.0.2 read bw --sweep 2:1M --qps 4 --validate
              ibbench rdma 10.0.0.2 write bw --ib-dev mlx5_0 --ib-port 1
              ibbench rdma 10.0.0.2 send bw --sweep --expect-min 50Gbit

            Exit status: 0 passed, 1 a threshold was missed, 2 error (no device, port
            down, resolution failed, nobody serving, peer lost; partial results are
            written), 64 usage.
            """
    )

    @Argument(help: "The peer's IP address (where ibbench serve runs).")
    var peer: String

    @Argument(help: ArgumentHelp("write|read|send, then bw|lat (default: write bw).", valueName: "test"))
    var words: [String] = []

    @OptionGroup var size: MessageSizeOption

    @OptionGroup var sweep: SweepOption

    @OptionGroup var duration: DurationOption

    // Positive counts here; RDMAOptions.validated() names each one's own range.
    @Option(help: "Messages per queue pair and size (ignored with -t).", transform: RangedValue.integer(1...Int(Int32.max)))
    var iters: Int = 1000

    @OptionGroup var queuePairs: QueuePairsOption

    @OptionGroup var tuning: RDMATuningOptions

    @OptionGroup var hca: HCAOptions

    @OptionGroup var interface: InterfaceOptions

    @OptionGroup var server: ServerPortOption

    @OptionGroup var token: TokenOptions

    @Option(help: TimeoutHelp.text,
            transform: RangedValue.seconds(0.001...3600))
    var timeout: Double = 5

    @OptionGroup var thresholds: ThresholdOptions

    @OptionGroup var counters: CountersOption

    @OptionGroup var output: OutputFormatOption

    func validate() throws {
        let request = try runRequest()
        do { _ = try request.validated() } catch { throw ValidationError(error.description) }
        let o = request.options
        try thresholds.checkApplies(to: "rdma \(o.verb.rawValue) \(o.mode.rawValue)", roundTrips: o.mode == .lat, latencyMode: "lat")
    }

    /// The engine's request from the words and options, without the secret (read when the run starts).
    private func runRequest() throws -> RDMARunRequest {
        var verb = RDMAVerb.write, mode = RDMAMode.bw
        for w in words {
            if let v = RDMAVerb(rawValue: w) { verb = v; continue }
            if let m = RDMAMode(rawValue: w) { mode = m; continue }
            throw ValidationError("'\(w)': expected write, read or send, then bw or lat")
        }
        if tuning.poll == .events && verb == .write && mode == .lat {
            throw ValidationError("--poll events: write lat waits on memory, not completions; use --poll busy")
        }
        let sizes = sweep.range(default: 2...(8 << 20)).map { RDMAOptions.sweep(from: $0.lowerBound, to: $0.upperBound) }
            ?? [size.size?.bytes ?? 65536]
        var options = RDMAOptions(peer: peer, port: server.port, verb: verb, mode: mode, sizes: sizes,
                                  duration: duration.seconds, iterations: iters, qps: queuePairs.qps,
                                  device: hca.ibDev, devicePort: hca.ibPort, interface: interface.dev,
                                  bind: interface.bind, timeout: timeout)
        options.tuning = tuning.tuning
        return RDMARunRequest(options: options, thresholds: thresholds.thresholds)
    }

    /// Each size's result goes out as it is measured; a threshold missed exits 1, a broken run
    /// (after its partial result) exits 2.
    func run() throws {
        try Outcome.of {
            var request = try runRequest()
            request.options.token = try token.secret()
            let reporter = output.format.makeReporter(header: RunHeader(tool: "ibbench", peer: request.options.peer))
            return Outcome(try counters.run(reporting: reporter) { try RDMABenchmark.run(request, reporter: $0) })
        }.end()
    }
}

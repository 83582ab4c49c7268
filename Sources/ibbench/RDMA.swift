import ArgumentParser
import BenchCore
import RDMABench

struct RDMA: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rdma",
        abstract: "Measure RDMA write/read/send bandwidth or latency against ibbench serve, over rdma_cm RC queue pairs.",
        discussion: """
            The peer is an IP address (IPoIB on InfiniBand, the netdev's address on RoCE): rdma_cm resolves the device, port and GID from it. Bandwidth is reported in Gbit/s (10^9 bit/s) and MiB/s (2^20 bytes/s) with the message rate in Mpps; latency as round trip and, for send and write ping-pongs, one way (half the round trip), from an HDR histogram. Sizes take K/M/G suffixes in binary multiples (64K = 65,536 bytes).

            Examples:
              ibbench rdma 10.0.0.2 write bw --size 64K -t 5
              ibbench rdma 10.0.0.2 send lat --size 2 --iters 10000
              ibbench rdma 10.0.0.2 read bw --sweep 2:1M --qps 4 --validate
              ibbench rdma 10.0.0.2 write bw --dev mlx5_0 --port 1 --format json
              ibbench rdma 10.0.0.2 send bw --sweep --expect-min 50Gbit --format subunit | subunit2junitxml

            Exit status: 0 passed, 1 a threshold was missed, 2 error (no device, port down, resolution failed, nobody serving, peer lost; partial results are written), 64 usage.
            """
    )

    @Argument(help: "The peer's IP address (where ibbench serve runs).")
    var peer: String

    @Argument(help: ArgumentHelp("write|read|send, then bw|lat (default: write bw); with --sweep also MIN:MAX.",
                                 valueName: "test"))
    var words: [String] = []

    @Option(help: "Message size in bytes (64K = 65,536).")
    var size: String = "64K"

    @Flag(help: "Run every power of two from MIN to MAX (default 2:8M), keeping each size's result.")
    var sweep = false

    @Option(name: [.customShort("t"), .customLong("duration")], help: "Seconds per size (instead of --iters).")
    var duration: Double?

    @Option(help: "Messages per queue pair and size (default 1000; ignored with -t).")
    var iters: Int = 1000

    @Option(help: "Queue pairs (connections) in parallel, bw only.")
    var qps: Int = 1

    @Option(help: "Work requests outstanding per queue pair.")
    var txDepth: Int = 128

    @Option(help: "Largest message sent inline, in bytes (default: 236 for lat, 0 for bw).")
    var inline: Int?

    @Option(help: "Signal every Nth work request (CQ moderation).")
    var cqMod: Int = 1

    @Option(help: "Work requests posted per ibv_post_send call.")
    var postList: Int = 1

    @Option(help: "Wait for completions by busy polling or by sleeping on completion events (busy|events).")
    var poll: String = "busy"

    @Flag(name: .customLong("validate"), help: "Check that the data arrived intact (costs a little time after the run).")
    var checkData = false

    @Option(help: "The RDMA device the peer's address must route through (e.g. mlx5_0).")
    var dev: String?

    @Option(help: "The device port it must route through.")
    var port: Int?

    @Option(help: "The port ibbench serve listens on.")
    var serverPort: UInt16 = ServerOptions.defaultPort

    @Flag(help: "Put the buffers in 2 MiB huge pages.")
    var useHugepages = false

    @OptionGroup var token: ClientToken

    @Option(help: "Seconds allowed for resolution and connection, and for a silent peer mid-run.")
    var timeout: Double = 5

    @Option(help: "Fail unless throughput reaches this rate, e.g. 90Gbit (10^9).")
    var expectMin: Rate?

    @Option(help: "Fail if p99 round-trip latency exceeds this, e.g. 5us.")
    var expectMaxLatency: Latency?

    @Option(help: "table, json (one object per line), csv or subunit (v2).")
    var format: OutputFormat = .table

    func validate() throws {
        _ = try options()
    }

    func options() throws -> RDMAOptions {
        var verb = RDMAVerb.write, mode = RDMAMode.bw
        var range: (Int, Int)? = nil
        for w in words {
            if let v = RDMAVerb(rawValue: w) { verb = v; continue }
            if let m = RDMAMode(rawValue: w) { mode = m; continue }
            let parts = w.split(separator: ":", omittingEmptySubsequences: false)
            if sweep, parts.count == 2, let lo = ByteSize.parse(String(parts[0])), let hi = ByteSize.parse(String(parts[1])) {
                range = (lo, hi); continue
            }
            throw ValidationError("'\(w)': expected write, read or send, bw or lat, or MIN:MAX after --sweep")
        }
        guard let one = ByteSize.parse(size) else { throw ValidationError("--size '\(size)': give bytes, e.g. 64K") }
        guard let pollMode = PollMode(rawValue: poll) else { throw ValidationError("--poll must be busy or events") }
        if pollMode == .events && verb == .write && mode == .lat {
            throw ValidationError("--poll events: write lat waits on memory, not completions; use --poll busy")
        }
        let sizes = sweep ? RDMAOptions.sweep(from: range?.0 ?? 2, to: range?.1 ?? 8 << 20) : [one]
        let o = RDMAOptions(peer: peer, port: serverPort, verb: verb, mode: mode, sizes: sizes, duration: duration,
                            iterations: iters, qps: qps, txDepth: txDepth, inline: inline, cqModeration: cqMod,
                            postList: postList, poll: pollMode, validate: checkData, device: dev, devicePort: port,
                            hugePages: useHugepages, timeout: timeout)
        do { return try o.validated() } catch { throw ValidationError(error.description) }
    }

    func run() throws { try reportingErrors(runTest) }

    /// Each size's result goes out as it is measured; a threshold missed exits 1, a broken run
    /// (after its partial result) exits 2.
    private func runTest() throws {
        var o = try options()
        o.token = try token.secret()
        let reporter = format.makeReporter()
        let thresholds = Thresholds(minThroughput: expectMin?.bitsPerSecond, maxLatencyP99: expectMaxLatency?.nanoseconds)
        var missed = false
        do {
            try RDMAClient.run(o, starting: { reporter.started(test: $0, route: nil) }) { result in
                let judged = thresholds.apply(to: result)
                if judged.status == .fail { missed = true }
                reporter.finished(judged, route: nil)
            }
        } catch {
            throw RunFailed(message: error.description)
        }
        if missed { throw ExitStatus.testFailed }
    }
}

/// Sizes as people write them: 65536, 64K, 1M, 1G (binary multiples).
enum ByteSize {
    static func parse(_ text: String) -> Int? {
        guard let b = Units.parseBytes(text), b >= 1, b <= UInt64(Int.max) else { return nil }
        return Int(b)
    }
}

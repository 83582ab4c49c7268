import ArgumentParser
import CommandSupport
import RDMABench
import TCPBench

/// The TCP data connections' socket and send options (tcp, mesh tcp).
struct TCPTuningOptions: ParsableArguments {
    @OptionGroup var window: WindowOption

    @Flag(help: "Set TCP_NODELAY (on by default for rr and crr).")
    var nodelay = false

    @Option(help: "TCP maximum segment size (TCP_MAXSEG).", transform: RangedValue.integer(TCPTestOptions.mssRange))
    var mss: Int?

    @Option(help: "Congestion control algorithm, e.g. cubic or bbr.")
    var congestion: String?

    @Flag(help: "Send with sendfile(2) from a cached file instead of copying from a buffer.")
    var zerocopy = false

    @Flag(help: "rr: wait for each message without sleeping, at both ends (lower latency, a busy core each).")
    var busyPoll = false

    func validate() throws {
        if congestion?.isEmpty == true {
            throw ValidationError("--congestion: give an algorithm name (see net.ipv4.tcp_available_congestion_control)")
        }
    }

    var tuning: TCPTuning {
        TCPTuning(window: window.window?.bytes, noDelay: nodelay ? true : nil, mss: mss, congestion: congestion,
                  zeroCopy: zerocopy, busyPoll: busyPoll)
    }
}

extension PollMode: ExpressibleByArgument {}

/// How the queue pairs are driven (rdma, mesh rdma).
struct RDMATuningOptions: ParsableArguments {
    // Positive counts here; RDMAOptions.validated() names each one's own range.
    @Option(help: "Work requests outstanding per queue pair.", transform: RangedValue.integer(1...Int(Int32.max)))
    var txDepth: Int = 128

    @Option(help: "Largest message sent inline, in bytes (default: 236 for lat, 0 for bw).",
            transform: RangedValue.integer(0...Int(Int32.max)))
    var inline: Int?

    @Option(help: "Signal every Nth work request (CQ moderation).", transform: RangedValue.integer(1...Int(Int32.max)))
    var cqMod: Int = 1

    @Option(help: "Work requests posted per ibv_post_send call.", transform: RangedValue.integer(1...Int(Int32.max)))
    var postList: Int = 1

    @Option(help: "Wait for completions by busy polling or by sleeping on completion events (busy|events).")
    var poll: PollMode = .busy

    @Flag(name: .customLong("validate"), help: "Check that the data arrived intact (costs a little time after the run).")
    var checkData = false

    @Flag(help: "Put the buffers in 2 MiB huge pages.")
    var useHugepages = false

    var tuning: RDMATuning {
        RDMATuning(txDepth: txDepth, inline: inline, cqModeration: cqMod, postList: postList, poll: poll,
                   validate: checkData, hugePages: useHugepages)
    }
}

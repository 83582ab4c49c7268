import ArgumentParser
import CommandSupport
import TCPBench

/// `-P n`: TCP streams in parallel (tcp, mesh tcp).
struct StreamsOption: ParsableArguments {
    @Option(name: .customShort("P"), help: ArgumentHelp("Parallel streams, one thread each.", valueName: "n"),
            transform: RangedValue.integer(TCPTestOptions.streamRange))
    var parallel = 1
}

/// `--qps n`: RDMA queue pairs in parallel (rdma, mesh rdma).
struct QueuePairsOption: ParsableArguments {
    // Positive here; RDMAOptions.validated() names its own range.
    @Option(help: "Queue pairs (connections) in parallel, bw only.", transform: RangedValue.integer(1...Int(Int32.max)))
    var qps: Int = 1
}

/// `--window`: the TCP socket buffers (tcp, mesh tcp).
struct WindowOption: ParsableArguments {
    @Option(help: "Socket buffer size, both ends (SO_SNDBUF/SO_RCVBUF).",
            transform: ByteCount.parser(TCPTestOptions.windowRange))
    var window: ByteCount?
}

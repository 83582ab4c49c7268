import ArgumentParser

/// `--size`: the message (write) size of a test that is not a sweep.
struct MessageSizeOption: ParsableArguments {
    @Option(help: "Message size in bytes, K/M/G binary (64K = 65,536); default 1M for tcp, 1470 for udp, 64K for rdma.",
            transform: ByteCount.parser(SizeRange.limit, note: "tcp at most 64M, udp 65507"))
    var size: ByteCount?
}

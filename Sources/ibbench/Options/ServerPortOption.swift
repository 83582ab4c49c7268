import ArgumentParser
import BenchCore
import CommandSupport
import TCPBench

/// `--port`: where `ibbench serve` listens, in every subcommand that serves or connects.
struct ServerPortOption: ParsableArguments {
    @Option(help: "The port of ibbench serve: TCP control and data, and the same number in rdma_cm's port space.",
            transform: RangedValue.integer(UInt16(1)...UInt16.max))
    var port: UInt16 = ServerOptions.defaultPort
}

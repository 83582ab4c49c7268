import ArgumentParser
import BenchCore
import CommandSupport
import Logging
import RDMABench
import TCPBench
import UDPBench

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve TCP, UDP and RDMA benchmarks on one port, \(ServerOptions.defaultPort) unless told otherwise.",
        // The synopsis without every option, which would not fit in 80 columns.
        usage: "ibbench serve [<options>]",
        discussion: """
            Every test, TCP, UDP or RDMA, is set up on a control connection to the
            port: the same token check, the same --max-clients limit (clients beyond
            it are told the server is busy) and the same deadlines. TCP data
            connections use the same port; RDMA queue pairs connect through rdma_cm on
            the same port number (rdma_cm's port space is its own). UDP tests get an
            ephemeral UDP port per stream, which the client joins with a probe
            datagram. Without an RDMA device only TCP and UDP are served, and RDMA
            clients are told why. Tests run side by side, each with its own threads
            and resources. Each test's server-side half (bytes or messages received,
            CPU) goes back to the client as subunit v2. With --token or --token-file,
            clients prove they know the secret by HMAC challenge-response; it never
            crosses the wire. --once ends the server after its first test, of any kind.

            Examples:
              ibbench serve
              ibbench serve --port 5301 --dev ib0 --max-clients 2
              ibbench serve --once --token-file /etc/ibbench/token
            """
    )

    @OptionGroup var server: ServerPortOption

    @OptionGroup var interface: InterfaceOptions

    @Flag(help: "Serve one test, TCP, UDP or RDMA, then exit.")
    var once = false

    @Option(help: "Tests served at once; more clients get a busy answer.", transform: RangedValue.integer(1...1024))
    var maxClients = 4

    @OptionGroup var secret: TokenOptions

    func run() throws { try Outcome.of { try serve(); return .passed }.end() }

    private func serve() throws {
        var logger = Logger(label: "ibbench.serve")
        logger.logLevel = .info
        let options = ServerOptions(port: server.port, bind: interface.bind, device: interface.dev, once: once,
                                    maxClients: maxClients, token: try secret.secret())
        let rdma = RDMATransport(port: server.port, address: interface.bind, logger: logger)
        try BenchServer(options: options, transports: [TCPTransport(bind: interface.bind, device: interface.dev, logger: logger), UDPTransport(bind: interface.bind, device: interface.dev), rdma], logger: logger).serve()
    }
}
